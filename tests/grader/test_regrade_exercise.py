from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from grader import grading
from grader.models import Submission
from tests.base import BaseTestCase
from tests.grader.factories import OUTER_SOLUTION, make_exercise, read

pytestmark = pytest.mark.usefixtures("grading_backend")


class RegradeExerciseTestCase(BaseTestCase):
    def test_it_regrades_against_the_new_version_and_keeps_history(self):
        exercise = make_exercise(self.chapter)
        submission = Submission.objects.create(user=self.alice, exercise=exercise,
                                               version=exercise.current_version, code=OUTER_SOLUTION)
        first = grading.grade_submission(submission.pk)
        stricter = exercise.current_version.spec_source.replace("forbid: [torch.outer]", "forbid: [reshape]")
        exercise.set_version(read(stricter), stricter, exercise.current_version.solution_code)
        out = StringIO()
        call_command("regrade_exercise", "torch-101/tensors/outer", "--now", stdout=out)
        self.assertIn(f"submission {submission.pk}: 5/6", out.getvalue())
        self.assertEqual(submission.grades.count(), 2)
        self.assertEqual((submission.grade.version.number, first.version.number), (2, 1))

    def test_without_now_it_queues_celery_tasks(self):
        exercise = make_exercise(self.chapter)
        Submission.objects.create(user=self.alice, exercise=exercise, version=exercise.current_version,
                                  code=OUTER_SOLUTION, status="graded")
        with mock.patch("grader.jobs.regrade_submission_task.apply_async") as send:
            with self.captureOnCommitCallbacks(execute=True):
                call_command("regrade_exercise", "torch-101/tensors/outer", stdout=StringIO())
        self.assertEqual(send.call_args.kwargs["queue"], "cpu-background")  # never on the gradings' workers
        batch = exercise.regrade_batches.get()  # the same batch as the staff page's "regrade all"
        self.assertEqual((batch.total, batch.done, send.call_args.args[1]["batch_id"]), (1, 0, batch.pk))

    def test_it_names_a_missing_exercise(self):
        with self.assertRaises(CommandError):
            call_command("regrade_exercise", "nope", stdout=StringIO())
