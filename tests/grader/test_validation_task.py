from unittest import mock

import pytest
from django.urls import reverse

from grader import jobs, tasks, validation
from judging.evaluation import SandboxUnavailable
from grader.models import ExerciseValidation
from grader.runner import get_backend
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


class SlowUnderLoad:
    """The real sandbox on a machine so busy that every job with the exercise's own time limits times out."""

    def __init__(self, backend, loaded_below_wall_s):
        self.backend, self.has_gpu, self.loaded_below_wall_s = backend, backend.has_gpu, loaded_below_wall_s

    def run(self, job):
        if job.limits.wall_s < self.loaded_below_wall_s:
            return Result(status=Status.TIME_LIMIT, error=f"time limit {job.limits.wall_s:g} s exceeded")
        return self.backend.run(job)


@pytest.mark.usefixtures("grading_backend")
class ValidationUnderLoadTestCase(BaseTestCase):
    """A validation never takes a live exercise away from students because of our own timing."""

    def setUp(self):
        super().setUp()
        self.exercise = make_exercise(self.chapter)  # wall_s 10

    def validate(self, backend, *args):
        record = ExerciseValidation.objects.filter(version=self.exercise.current_version).first() or \
            ExerciseValidation.objects.create(version=self.exercise.current_version)
        with mock.patch.object(validation, "get_backend", return_value=backend), \
                mock.patch.object(jobs.validate_exercise_task, "apply_async") as resent, \
                mock.patch.object(jobs, "fill_reference_pool"), mock.patch.object(tasks, "queue_length", return_value=0):
            validate_exercise_task(record.pk, *args)
        record.refresh_from_db()
        self.exercise.refresh_from_db()
        return record, resent

    def test_a_time_limit_leaves_the_exercise_live_and_runs_again_with_more_time(self):
        loaded = SlowUnderLoad(get_backend(), loaded_below_wall_s=20)
        record, resent = self.validate(loaded)
        self.assertEqual((record.status, self.exercise.published), ("pending", True))
        self.assertIn("time limit", record.problems)
        self.assertEqual(resent.call_args.args[0], (record.pk, tasks.MORE_TIME_SCALE))

        record, resent = self.validate(loaded, tasks.MORE_TIME_SCALE)  # 30 s now: the load no longer matters
        self.assertEqual((record.status, self.exercise.published, resent.call_count), ("passed", True, 0))

    def test_the_run_with_more_time_decides(self):
        record, _ = self.validate(SlowUnderLoad(get_backend(), loaded_below_wall_s=1000), tasks.MORE_TIME_SCALE)
        self.assertEqual((record.status, self.exercise.published), ("failed", False))  # no version ever passed

    def test_a_real_failure_keeps_the_last_good_version_live_and_tells_staff(self):
        good = self.exercise.current_version
        ExerciseValidation.objects.create(version=good, status=ExerciseValidation.PASSED)
        broken = self.exercise.set_version(good.spec, good.spec_source, "def outer(a, b):\n    raise RuntimeError('broken')\n")
        with self.assertLogs("torchgrade.submissions", "ERROR") as logs:
            record, _ = self.validate(get_backend())
        self.assertEqual((record.version, record.status), (broken, "failed"))
        self.assertEqual((self.exercise.current_version, self.exercise.published), (good, True))
        self.assertIn("students keep version 1", logs.output[0])
        self.login(self.ada)
        page = self.client.get(reverse("admin:grader_exercise_change", args=[self.exercise.pk])).content.decode()
        self.assertIn("keep version 1, the last that passed validation", page)
        self.assertIn("RuntimeError: broken", page)
        # the folder still holds the failed content: importing it again makes no new version to validate
        self.assertEqual(self.exercise.set_version(good.spec, good.spec_source, broken.solution_code), broken)
        self.exercise.refresh_from_db()
        self.assertEqual((self.exercise.versions.count(), self.exercise.current_version), (2, good))
