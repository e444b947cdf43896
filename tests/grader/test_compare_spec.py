"""How a value or gradient check's tolerances and broadcasting are read from exercise.yaml."""

import textwrap

import yaml
from django.test import SimpleTestCase

from courses.loader import Problems, _LineLoader
from judging.reader import read_spec

CHECK = """
title: T
entry: {function: f}
checks:
  - kind: value
    name: V
    cases: [{args: [1.0]}]
"""


def read_check(extra=""):
    problems = Problems()
    spec = read_spec("exercise.yaml", yaml.load(textwrap.dedent(CHECK) + extra, Loader=_LineLoader), problems)
    return (spec.checks[0] if spec else None), [str(p) for p in problems]


class ToleranceSpecTestCase(SimpleTestCase):
    def test_unset_tolerances_are_recorded_as_not_set(self):
        check, problems = read_check()
        self.assertEqual(problems, [])
        self.assertEqual((check.rtol, check.atol), (None, None))

    def test_set_tolerances_are_kept(self):
        check, problems = read_check("    rtol: 1.0e-4\n    atol: 0\n")
        self.assertEqual(problems, [])
        self.assertEqual((check.rtol, check.atol), (1e-4, 0))

    def test_setting_only_one_tolerance_is_a_problem(self):
        _, problems = read_check("    rtol: 1.0e-4\n")
        self.assertEqual(problems, ["exercise.yaml:5: set both 'rtol' and 'atol', or neither (then each dtype gets "
                                    "torch.testing.assert_close's defaults)"])

    def test_broadcasting_is_off_unless_asked_for(self):
        self.assertFalse(read_check()[0].broadcast)
        self.assertTrue(read_check("    broadcast: true\n")[0].broadcast)
