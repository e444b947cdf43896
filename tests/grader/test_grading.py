"""Grading through the real fork-server sandbox: scores, feedback, idempotency, and attacks.

Each attack is a real submission; none of them may earn a point from a check it did not solve.
"""

from unittest import mock

import pytest
from django.conf import settings

from grader import grading, jobs
from grader.models import Grade, Submission
from sandbox import Result, Status
from tests.base import BaseTestCase
from tests.grader.factories import OUTER_SOLUTION, OUTER_STARTER, make_exercise

pytestmark = pytest.mark.usefixtures("grading_backend")

FORGED_OUTPUT = """
import json, sys
print(json.dumps({"score": 6, "max_score": 6, "passed": True}))
sys.stdout.flush()
"""


class GradingTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.exercise = make_exercise(self.chapter)

    def submit(self, code, user=None):
        return Submission.objects.create(
            user=user or self.alice, exercise=self.exercise, version=self.exercise.current_version, code=code,
        )

    def grade(self, code):
        submission = self.submit(code)
        grade = grading.grade_submission(submission.pk)
        submission.refresh_from_db()
        self.assertEqual(submission.status, "graded")
        return grade

    def checks(self, grade):
        return {c.name: c for c in grade.checks.all()}

    def test_the_reference_solution_scores_full_marks(self):
        grade = self.grade(OUTER_SOLUTION)
        self.assertEqual((grade.score, grade.max_score), (6, 6))
        self.assertEqual((grade.sandbox_status, grade.device, grade.seed), ("ok", "cpu", grade.submission.seed))
        self.assertTrue(grade.torch_version.startswith("2.13"))
        self.assertGreater(grade.wall_s, 0)

    def test_a_wrong_answer_says_what_differed(self):
        grade = self.grade("import torch\n\ndef outer(a, b):\n    return a.reshape(-1, 1) @ b.reshape(1, -1) + 0.5\n")
        checks = self.checks(grade)
        self.assertEqual(grade.score, 1)
        message = checks["Examples"].message
        self.assertIn("Wrong result for inputs (tensor([1.0, 2.0], dtype=torch.float32)", message)
        self.assertIn("Mismatched elements: 6 / 6 (100.0%)", message)
        self.assertIn("Greatest absolute difference: 0.5", message)
        self.assertIn("First mismatch at index (0, 0): expected 3, got 3.5", message)

    def test_a_hidden_check_never_shows_its_inputs(self):
        grade = self.grade("import torch\n\ndef outer(a, b):\n    return (a.reshape(-1, 1) @ b.reshape(1, -1)) * 1.001\n")
        hidden = self.checks(grade)["Random vectors"]
        self.assertFalse(hidden.passed)
        self.assertEqual(hidden.message, "Failed on a hidden test. Hint: Reshape, then matmul.")

    def test_a_shape_mismatch_is_reported(self):
        grade = self.grade(OUTER_STARTER.replace("a * b", "a.sum() * b"))
        self.assertIn("shape mismatch: expected (2, 3), got (3,)", self.checks(grade)["Examples"].message)

    def test_an_exception_shows_the_students_traceback(self):
        grade = self.grade(OUTER_STARTER)
        message = self.checks(grade)["Examples"].message
        self.assertIn('File "/work/submission.py", line 4, in outer', message)
        self.assertIn("RuntimeError: The size of tensor a (2) must match", message)
        self.assertNotIn("harness", message)

    def test_a_forbidden_api_fails_only_the_api_check(self):
        grade = self.grade("import torch\n\ndef outer(a, b):\n    return torch.outer(a, b)\n")
        self.assertEqual(grade.score, 5)
        self.assertIn("line 4: uses `torch.outer`", self.checks(grade)["No torch.outer"].message)

    def test_an_infinite_loop_is_a_time_limit_for_every_check(self):
        grade = self.grade("def outer(a, b):\n    while True:\n        pass\n")
        self.assertEqual(grade.sandbox_status, "time_limit")
        self.assertIn("time limit", self.checks(grade)["Examples"].message)
        self.assertEqual(grade.score, 1)  # the static api check still holds

    def test_stdout_is_kept(self):
        grade = self.grade(OUTER_SOLUTION + "\nprint('hello from the student')\n")
        self.assertIn("hello from the student", grade.stdout)

    # Attacks: none may earn points for value checks.

    def test_printing_a_forged_result_earns_nothing(self):
        grade = self.grade(FORGED_OUTPUT + "\ndef outer(a, b):\n    return a\n")
        self.assertEqual(grade.score, 0)  # `import sys` also fails the api check (judging.tamper)

    def test_sys_exit_before_the_checks_earns_nothing(self):
        grade = self.grade("import sys\nsys.exit(0)\n")
        self.assertEqual(grade.score, 0)  # `import sys` also fails the api check (judging.tamper)
        self.assertIn("SystemExit", self.checks(grade)["Examples"].message)

    def test_os_exit_before_the_checks_earns_nothing(self):
        grade = self.grade("import os\nos._exit(0)\ndef outer(a, b):\n    return a\n")
        self.assertEqual(grade.score, 1)
        self.assertIn("before returning a result", self.checks(grade)["Examples"].message)

    def test_writing_a_forged_result_frame_earns_nothing(self):
        code = "import os\nfor fd in range(3, 64):\n    try:\n        os.write(fd, b'{\"probes\": {}}' * 100)\n" \
               "    except OSError:\n        pass\nos._exit(0)\n"
        grade = self.grade(code)
        self.assertEqual(grade.score, 1)

    def test_monkeypatching_comparisons_earns_nothing(self):
        code = """
import math, torch, torch.testing
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.testing.assert_close = lambda *a, **k: None
math.isclose = lambda *a, **k: True
torch.Tensor.__eq__ = lambda self, other: True

def outer(a, b):
    return torch.zeros(len(a), len(b))
"""
        grade = self.grade(code)
        self.assertEqual(grade.score, 0)
        self.assertIn("line 3: changes `torch.allclose`", self.checks(grade)["No torch.outer"].message)

    def test_a_tensor_subclass_is_rejected_with_a_clear_message(self):
        code = """
import torch

class Liar(torch.Tensor):
    def __eq__(self, other):
        return True

def outer(a, b):
    return (a.reshape(-1, 1) @ b.reshape(1, -1)).as_subclass(Liar)
"""
        grade = self.grade(code)
        self.assertEqual(grade.score, 1)
        self.assertIn("Liar", self.checks(grade)["Examples"].message)
        self.assertIn("return a plain torch.Tensor", self.checks(grade)["Examples"].message)

    def test_nan_is_never_close(self):
        grade = self.grade("import torch\n\ndef outer(a, b):\n    return torch.full((len(a), len(b)), float('nan'))\n")
        self.assertEqual(grade.score, 1)
        self.assertIn("contains NaN at index (0, 0)", self.checks(grade)["Examples"].message)

    def test_hard_coding_the_visible_examples_fails_the_hidden_inputs(self):
        code = """
import torch

def outer(a, b):
    if a.tolist() == [1.0, 2.0] and b.tolist() == [3.0, 4.0, 5.0]:
        return torch.tensor([[3.0, 4.0, 5.0], [6.0, 8.0, 10.0]])
    return torch.zeros(len(a), len(b))
"""
        grade = self.grade(code)
        self.assertTrue(self.checks(grade)["Examples"].passed)
        self.assertFalse(self.checks(grade)["Random vectors"].passed)
        self.assertEqual(grade.score, 3)

    def test_reading_the_reference_solution_is_impossible(self):
        code = """
import os, sys
skip = ('/usr', '/proc', '/sys', '/dev', '/lib', '/lib64', '/bin', '/sbin', sys.prefix, sys.base_prefix)
found, seen = [], 0
for root, dirs, files in os.walk('/'):
    dirs[:] = [d for d in dirs if not os.path.join(root, d).startswith(skip)]
    for name in files:
        seen += 1
        try:
            if 'reshape(-1, 1) ' + '@ b.reshape' in open(os.path.join(root, name), errors='ignore').read():
                found.append(os.path.join(root, name))
        except OSError:
            pass
print('FOUND', found, 'after reading', seen, 'files')
def outer(a, b):
    return a
"""
        grade = self.grade(code)
        self.assertIn("FOUND [] after reading", grade.stdout)

    # Idempotency and failures that are ours.

    def test_a_redelivered_task_does_not_grade_twice(self):
        submission = self.submit(OUTER_SOLUTION)
        grading.grade_submission(submission.pk)
        self.assertIsNone(grading.grade_submission(submission.pk))
        self.assertEqual(Grade.objects.filter(submission=submission).count(), 1)

    def test_a_worker_that_died_mid_grade_is_graded_on_redelivery(self):
        submission = self.submit(OUTER_SOLUTION)
        Submission.claim(submission.pk, "dead-start")  # the first worker got this far, then died
        grade = grading.grade_submission(submission.pk, worker="new-start")
        submission.refresh_from_db()
        self.assertEqual((grade.score, submission.deliveries, submission.status, submission.worker),
                         (6, 2, "graded", "new-start"))

    def test_a_regrade_keeps_the_previous_grade(self):
        submission = self.submit(OUTER_SOLUTION)
        first = grading.grade_submission(submission.pk)
        second = grading.regrade(submission)
        self.assertEqual(list(submission.grades.all()), [second, first])
        self.assertEqual(submission.grade, second)

    def test_a_broken_reference_solution_costs_no_attempt(self):
        self.exercise.set_version(self.exercise.spec, "changed", "def outer(a, b):\n    raise ValueError('oops')\n")
        submission = self.submit(OUTER_SOLUTION)
        submission.version = self.exercise.current_version
        submission.save()
        self.assertIsNone(grading.grade_submission(submission.pk))
        submission.refresh_from_db()
        self.assertEqual((submission.status, submission.counts_as_attempt), ("error", False))
        self.assertIn("reference solution failed", submission.error_message)


class SandboxFailureTestCase(BaseTestCase):
    """A sandbox_error is ours: the grading is retried and never charged to the student."""

    class FailingBackend:
        has_gpu = False

        def run(self, job):
            return Result(status=Status.SANDBOX_ERROR, error="the sandbox fork server stopped")

        def canary(self):  # a sandbox that fails every job fails its canary too: the fault is ours
            return False

    def submission(self, **fields):
        exercise = make_exercise(self.chapter)
        return Submission.objects.create(user=self.alice, exercise=exercise, version=exercise.current_version,
                                         code=OUTER_SOLUTION, **fields)

    def test_a_crash_in_our_grading_code_fails_the_submission_without_charging_it(self):
        submission = self.submission()
        with mock.patch.object(grading, "judge", side_effect=RuntimeError("bug in the judge")):
            self.assertIsNone(grading.grade_submission(submission.pk))
        submission.refresh_from_db()
        self.assertEqual((submission.status, submission.counts_as_attempt), ("error", False))
        self.assertIn("our fault", submission.error_message)

    def test_a_submission_delivered_too_often_is_failed_not_retried_forever(self):
        submission = self.submission(status="running", deliveries=settings.GRADER_MAX_DELIVERIES)
        self.assertIsNone(grading.grade_submission(submission.pk, backend=self.FailingBackend()))
        submission.refresh_from_db()
        self.assertEqual((submission.status, submission.counts_as_attempt), ("error", False))

    def test_it_queues_the_submission_again_a_little_later_each_time_and_leaves_no_grade(self):
        submission = self.submission()
        for delivery, countdown in ((1, 1), (2, 3), (3, 5)):
            with mock.patch.object(jobs.grade_submission_task, "apply_async") as send:
                with self.captureOnCommitCallbacks(execute=True):
                    self.assertIsNone(grading.grade_submission(submission.pk, backend=self.FailingBackend()))
            submission.refresh_from_db()
            self.assertEqual((submission.status, submission.deliveries), ("queued", delivery))
            send.assert_called_once_with((submission.pk,), queue="cpu", countdown=countdown,
                                         priority=settings.GRADER_URGENT_PRIORITY)
        self.assertFalse(Grade.objects.exists())
        self.assertTrue(submission.counts_as_attempt)
