from unittest import mock

from grader import validation
from judging.evaluation import SandboxUnavailable
from grader.models import ExerciseValidation
from grader.tasks import validate_exercise_task
from sandbox import Result, Status
from tests.base import BaseTestCase
from tests.grader.factories import make_exercise


class BrokenSandbox:
    has_gpu = False

    def run(self, job):
        return Result(status=Status.SANDBOX_ERROR, error="the sandbox fork server stopped")


class ValidationTaskTestCase(BaseTestCase):
    def test_a_sandbox_failure_is_retried_and_does_not_fail_or_unpublish_the_exercise(self):
        exercise = make_exercise(self.chapter)
        record = ExerciseValidation.objects.create(version=exercise.current_version)
        with mock.patch.object(validation, "get_backend", return_value=BrokenSandbox()):
            with self.assertRaises(SandboxUnavailable):  # a direct call re-raises instead of retrying
                validate_exercise_task(record.pk)
        record.refresh_from_db()
        exercise.refresh_from_db()
        self.assertEqual((record.status, exercise.published), ("pending", True))
