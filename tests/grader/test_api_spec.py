"""How an api check's rules are read from exercise.yaml."""

import textwrap

import yaml
from django.test import SimpleTestCase

from courses.loader import Problems, _LineLoader
from grader.spec import read_spec

HEADER = """
title: T
entry: {function: f}
checks:
  - kind: api
    name: A
"""


def read_check(rules):
    problems = Problems()
    spec = read_spec("exercise.yaml", yaml.load(textwrap.dedent(HEADER) + rules, Loader=_LineLoader), problems)
    return spec["checks"][0], [str(p) for p in problems]


class ApiSpecTestCase(SimpleTestCase):
    def test_it_reads_every_kind_of_rule(self):
        check, problems = read_check("    forbid: [softmax]\n    require: [torch.exp]\n"
                                     "    allow: [torch.exp, torch.sum]\n    forbid_syntax: [for, while, comprehension]\n")
        self.assertEqual(problems, [])
        self.assertEqual([check[k] for k in ("forbid", "require", "allow", "forbid_syntax")],
                         [["softmax"], ["torch.exp"], ["torch.exp", "torch.sum"], ["for", "while", "comprehension"]])

    def test_unknown_syntax_is_a_problem_with_its_line(self):
        _, problems = read_check("    forbid_syntax: [for, goto]\n")
        self.assertIn("exercise.yaml:5: 'forbid_syntax' must be a list of for, while, comprehension, "
                      "got ['for', 'goto']", problems)

    def test_an_allow_list_needs_full_names(self):
        _, problems = read_check("    allow: [matmul]\n")
        self.assertEqual(problems, ["exercise.yaml:5: 'allow' takes full names such as torch.matmul, got 'matmul'"])

    def test_a_name_must_be_a_dotted_identifier(self):
        _, problems = read_check("    forbid: ['torch.soft max']\n")
        self.assertTrue(any("'forbid' must be a list of names such as torch.softmax" in p for p in problems), problems)

    def test_a_check_without_rules_is_a_problem(self):
        _, problems = read_check("    points: 1\n")
        self.assertIn("exercise.yaml:5: an api check needs 'forbid', 'require', 'allow' or 'forbid_syntax'", problems)
