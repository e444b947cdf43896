"""The api check through real grading: the harness reports the torch functions the student's code
called, so a forbidden function reached through a name built at run time still fails the check."""

import pytest

from tests.grader.test_gradient_checks import ExerciseGradingTestCase

pytestmark = pytest.mark.usefixtures("grading_backend")

SPEC = """
title: Softmax by hand
entry: {function: softmax}
checks:
  - kind: gradient
    name: Gradients
    points: 1
    random: {count: 1, args: [{randn: [5]}]}
  - kind: api
    name: No built-in softmax
    points: 1
    forbid: [softmax]
  - kind: api
    name: Nothing the harness itself calls
    points: 1
    forbid: [detach, clone, requires_grad_, backward, manual_seed, randn]
"""
SOLUTION = "def softmax(x):\n    e = (x - x.max()).exp()\n    return e / e.sum()\n"


class ApiRunTimeTestCase(ExerciseGradingTestCase):
    spec_yaml, solution = SPEC, SOLUTION

    def test_an_honest_solution_passes_and_the_harness_calls_are_not_counted(self):
        checks = self.grade(SOLUTION)
        self.assertTrue(all(check.passed for check in checks.values()), {n: c.message for n, c in checks.items()})

    def test_a_forbidden_function_reached_through_a_built_name_fails(self):
        checks = self.grade("import torch\n\ndef softmax(x):\n    return getattr(torch, 'soft' + 'max')(x, 0)\n")
        self.assertTrue(checks["Gradients"].passed, checks["Gradients"].message)
        api = checks["No built-in softmax"]
        self.assertFalse(api.passed)
        self.assertIn("`softmax` was called while your code ran", api.message)
        self.assertIn("a teaching aid, not a security boundary", api.message)
