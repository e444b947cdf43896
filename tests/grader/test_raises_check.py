"""A raises check: the behaviour on bad input that a prompt asks for (an error), graded for real."""

import pytest
from django.test import SimpleTestCase

from grader.runner import get_backend
from judging.evaluation import evaluate, run_reference
from judging.compare import Mismatch
from judging.verdicts import ReferenceFailed, RunAnswers
from tests.grader.factories import read, read_problems

pytestmark = pytest.mark.usefixtures("grading_backend")

SPEC = """
title: Scale
entry: {function: scale}
checks:
  - kind: value
    name: Scales
    points: 2
    random: {count: 2, args: [{randn: [3]}, {float: [0.5, 2.0]}]}
  - kind: raises
    name: Refuses a negative factor
    points: 1
    exception: ValueError
    cases: [{args: [{tensor: [1.0, 2.0]}, -1.0]}]
    random: {count: 2, args: [{randn: [3]}, {float: [-5.0, -0.1]}]}
"""
SOLUTION = """
def scale(x, factor):
    if factor < 0:
        raise ValueError(f"factor must be nonnegative, got {factor}")
    return x * factor
"""


def grade(code, spec=SPEC, seed=3):
    evaluation = evaluate(read(spec), SOLUTION, code, seed, get_backend())
    return evaluation, {check.name: outcome for check, outcome in evaluation.outcomes}


class RaisesCheckTests(SimpleTestCase):
    def test_the_reference_and_a_subclass_of_the_exception_pass(self):
        subclass = ("class FactorError(ValueError):\n    pass\n\n"
                    "def scale(x, factor):\n    if factor < 0:\n        raise FactorError('negative')\n    return x * factor\n")
        for code in (SOLUTION + "\n", subclass):
            evaluation, _ = grade(code)
            self.assertEqual(evaluation.score, 3)

    def test_a_class_of_its_own_named_like_the_built_in_one_fails(self):
        own = "class ValueError(Exception):\n    pass\n\n"
        claims_builtins = "class ValueError(Exception):\n    __module__ = 'builtins'\n\n"
        for name, declared in (("its own", own), ("claiming builtins", claims_builtins)):
            with self.subTest(name):
                evaluation, outcomes = grade(declared + SOLUTION)
                self.assertEqual(evaluation.score, 2)
                message = outcomes["Refuses a negative factor"].message
                self.assertIn("raised something else", message)
                self.assertIn("ValueError is a class of your own named like Python's ValueError, not the built-in "
                              "one: raise ValueError itself, or a subclass of it", message)

    def test_code_that_ignores_bad_input_loses_the_check_and_is_told_which_input(self):
        evaluation, outcomes = grade("def scale(x, factor):\n    return x * factor\n")
        self.assertEqual(evaluation.score, 2)
        message = outcomes["Refuses a negative factor"].message
        self.assertIn("Expected ValueError to be raised for inputs (tensor([1.0, 2.0], dtype=torch.float32), -1.0)",
                      message)
        self.assertIn("returned a result", message)

    def test_another_exception_fails_and_shows_the_students_own_error(self):
        code = "def scale(x, factor):\n    assert factor >= 0, 'negative factor'\n    return x * factor\n"
        evaluation, outcomes = grade(code)
        self.assertEqual(evaluation.score, 2)
        self.assertIn("raised something else", outcomes["Refuses a negative factor"].message)
        self.assertIn("AssertionError: negative factor", outcomes["Refuses a negative factor"].message)

    def test_a_reference_that_does_not_raise_is_a_broken_exercise(self):
        with self.assertRaisesMessage(ReferenceFailed, "should raise ValueError on 1.case0, but it returned a result"):
            run_reference(read(SPEC), "def scale(x, factor):\n    return x * factor\n", 3, get_backend())


class RaisesSpecTests(SimpleTestCase):
    def test_it_needs_a_built_in_exception_class_named_with_its_line(self):
        problems = read_problems(SPEC.replace("exception: ValueError", "exception: ValueErr"))
        self.assertIn("exercise.yaml:9: 'exception' must name a built-in exception class such as ValueError, "
                      "got 'ValueErr'", problems)
        problems = read_problems(SPEC.replace("exception: ValueError", "exception: print"))
        self.assertTrue(any(p.endswith("got 'print'") for p in problems), problems)


class RaisedAnswerTests(SimpleTestCase):
    """What the harness reports of an exception is a claim, read defensively."""

    @staticmethod
    def answers(answer, import_error=None):
        return RunAnswers({"probes": {"1.case0": answer}, "import_error": import_error})

    def test_a_returned_result_raised_nothing(self):
        self.assertIsNone(self.answers({"ok": True, "output": 1.0}).raised("1.case0"))

    def test_the_exception_names_and_the_students_error_are_read(self):
        names = ["builtins.ValueError", "builtins.Exception"]
        raised = self.answers({"ok": False, "error": "ValueError: no", "raised": names})
        self.assertEqual(raised.raised("1.case0"), (frozenset(names), "ValueError: no"))

    def test_malformed_names_count_as_none(self):
        for names in ("builtins.ValueError", ["builtins.ValueError", 3], ["builtins.Exception"] * 65,
                      ["builtins.ValueError", "x" * 1001]):
            with self.subTest(names=names):
                answers = self.answers({"ok": False, "error": "boom", "raised": names})
                self.assertEqual(answers.raised("1.case0"), (frozenset(), "boom"))

    def test_no_answer_or_a_failed_import_is_a_mismatch_not_an_exception_raised(self):
        with self.assertRaisesMessage(Mismatch, "returned no answer"):
            self.answers({"ok": "yes"}).raised("1.case0")
        with self.assertRaisesMessage(Mismatch, "importing your code failed"):
            self.answers({"ok": False, "error": "x", "raised": ["ValueError"]}, import_error="SyntaxError").raised(
                "1.case0")
