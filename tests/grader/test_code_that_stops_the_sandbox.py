"""Code that breaks the sandbox on purpose cannot be graded again and again for free.

A sandbox_error is ours, retried and never charged. A submission whose grading breaks the
sandbox on its first try is retried once; if it breaks it again while the sandbox's canary job
passes right after, the code did it: the submission ends as the student's runtime error and
counts as an attempt. While the canary fails too, the fault stays ours (test_grading's
SandboxFailureTestCase).
"""

import pytest

from grader import grading
from grader.runner import get_backend
from grader.models import Submission
from judging.evaluation import STOPPED_THE_SANDBOX
from sandbox import Result, Status
from tests.base import BaseTestCase
from tests.grader.factories import OUTER_SOLUTION, make_exercise

pytestmark = pytest.mark.usefixtures("grading_backend")

MARK = "# stops the sandbox"


class SandboxStoppedByMarkedCode:
    """The real sandbox, except that a job of code carrying MARK ends as the fork server's death does."""

    def __init__(self, backend):
        self.backend, self.has_gpu, self.canary = backend, backend.has_gpu, backend.canary

    def run(self, job):
        if MARK in job.files.get("submission.py", ""):
            return Result(Status.SANDBOX_ERROR, error="the sandbox fork server stopped; the job will be retried")
        return self.backend.run(job)


class CodeThatStopsTheSandboxTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.exercise = make_exercise(self.chapter, max_attempts=3)
        self.submission = Submission.objects.create(user=self.alice, exercise=self.exercise,
                                                    version=self.exercise.current_version,
                                                    code=OUTER_SOLUTION + MARK + "\n")

    def deliver(self, backend):
        with self.captureOnCommitCallbacks(execute=False) as resent:
            grade = grading.grade_submission(self.submission.pk, backend=backend, worker="start-1")
        self.submission.refresh_from_db()
        return grade, resent

    def test_it_is_retried_once_then_counted_as_the_students_runtime_error(self):
        backend = SandboxStoppedByMarkedCode(get_backend())
        grade, resent = self.deliver(backend)
        self.assertIsNone(grade)
        self.assertEqual((self.submission.status, len(resent)), ("queued", 1))

        grade, resent = self.deliver(backend)
        self.assertEqual((self.submission.status, self.submission.deliveries, resent), ("graded", 2, []))
        self.assertEqual((grade.score, grade.sandbox_status, grade.error), (0, "runtime_error", STOPPED_THE_SANDBOX))
        self.assertTrue(all(STOPPED_THE_SANDBOX == check.message for check in grade.checks.all()))
        self.assertTrue(self.submission.counts_as_attempt)
        self.assertEqual(self.exercise.attempts_left(self.alice), 2)
