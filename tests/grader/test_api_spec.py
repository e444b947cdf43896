"""How an api check's rules are read from exercise.yaml."""

import textwrap

import yaml
from django.test import SimpleTestCase

from courses.loader import Problems, _LineLoader
from judging.reader import read_spec
from judging.spec import KeywordRule, check_from_json

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
    return (spec.checks[0] if spec else None), [str(p) for p in problems]


class ApiSpecTestCase(SimpleTestCase):
    def test_it_reads_every_kind_of_rule(self):
        check, problems = read_check("    forbid: [softmax]\n    require: [torch.exp]\n"
                                     "    allow: [torch.exp, torch.sum]\n    forbid_syntax: [for, while, comprehension]\n")
        self.assertEqual(problems, [])
        self.assertEqual([getattr(check, k) for k in ("forbid", "require", "allow", "forbid_syntax")],
                         [("softmax",), ("torch.exp",), ("torch.exp", "torch.sum"), ("for", "while", "comprehension")])

    def test_unknown_syntax_is_a_problem_with_its_line(self):
        _, problems = read_check("    forbid_syntax: [for, goto]\n")
        self.assertIn("exercise.yaml:5: 'forbid_syntax' must be a list of for, while, comprehension, "
                      "got ['for', 'goto']", problems)

    def test_operators_can_be_forbidden_only(self):
        check, problems = read_check("    forbid: [operator.mul, operator.*]\n")
        self.assertEqual((problems, check.forbid), ([], ("operator.mul", "operator.*")))
        _, problems = read_check("    require: [[torch.matmul, operator.matmul]]\n    allow: [operator.mul]\n")
        self.assertEqual(problems, [
            "exercise.yaml:5: 'require' cannot name an operator (operator.matmul): operators can only be forbidden",
            "exercise.yaml:5: 'allow' cannot name an operator (operator.mul): operators can only be forbidden"])

    def test_an_allow_list_needs_full_names(self):
        _, problems = read_check("    allow: [matmul]\n")
        self.assertEqual(problems, ["exercise.yaml:5: 'allow' takes full names such as torch.matmul, got 'matmul'"])

    def test_a_name_must_be_a_dotted_identifier(self):
        _, problems = read_check("    forbid: ['torch.soft max']\n")
        self.assertTrue(any("'forbid' must be a list of names such as torch.softmax" in p for p in problems), problems)

    def test_a_check_without_rules_is_a_problem(self):
        _, problems = read_check("    points: 1\n")
        self.assertIn("exercise.yaml:5: an api check needs one of 'forbid', 'require', 'allow', 'forbid_syntax', "
                      "'require_keywords'", problems)

    def test_a_list_among_the_required_names_is_any_of_them(self):
        check, problems = read_check("    require: [torch.exp, [torch.matmul, torch.mm]]\n    forbid: [torch.linalg.*]\n")
        self.assertEqual(problems, [])
        self.assertEqual(check.require, ("torch.exp", ("torch.matmul", "torch.mm")))
        self.assertEqual(check.forbid, ("torch.linalg.*",))

    def test_keyword_rules_are_read_per_function_and_keyword(self):
        check, problems = read_check("    require_keywords: {torch.load: {weights_only: true, map_location: cpu}}\n")
        self.assertEqual(problems, [])
        self.assertEqual(check.require_keywords, (KeywordRule("torch.load", "weights_only", True),
                                                  KeywordRule("torch.load", "map_location", "cpu")))
        self.assertEqual(check_from_json(check.to_json()), check)

    def test_a_malformed_keyword_rule_is_a_problem_with_its_line(self):
        _, problems = read_check("    require_keywords: {torch.load: weights_only}\n")
        self.assertTrue(any(p.startswith("exercise.yaml:5: 'require_keywords' maps function names to") for p in problems),
                        problems)
