import pytest

from grader.models import AuditEntry, RegradeBatch
from grader.tasks import regrade_submission_task
from tests.staff.base import StaffTestCase


class RegradeTestCase(StaffTestCase):
    def test_regrading_one_submission_queues_a_task(self):
        submission = self.graded(self.alice, 2)
        self.login(self.ian)
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            r = self.client.post(f"/staff/submissions/{submission.pk}/regrade/")
        self.assertRedirects(r, f"/staff/submissions/{submission.pk}/")
        self.assertEqual(len(callbacks), 1)

    def test_students_cannot_regrade(self):
        submission = self.graded(self.alice, 2)
        self.login(self.alice)
        self.assertEqual(self.client.post(f"/staff/submissions/{submission.pk}/regrade/").status_code, 403)
        self.assertEqual(self.client.post(f"/staff/exercises/{self.exercise.pk}/regrade-all/").status_code, 403)

    def test_regrading_all_creates_a_batch_with_progress(self):
        self.graded(self.alice, 2)
        self.graded(self.bob, 3)
        self.login(self.ian)
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            r = self.client.post(f"/staff/exercises/{self.exercise.pk}/regrade-all/")
        batch = RegradeBatch.objects.get()
        self.assertRedirects(r, f"/staff/regrades/{batch.pk}/")
        self.assertEqual((batch.total, batch.done, len(callbacks)), (2, 0, 2))
        page = self.client.get(f"/staff/regrades/{batch.pk}/")
        self.assertContains(page, "0 of 2 submissions regraded")
        self.assertContains(page, 'hx-trigger="every 1s"')


@pytest.mark.usefixtures("grading_backend")
class RegradeTaskTestCase(StaffTestCase):
    def test_the_task_grades_again_keeps_history_and_audits(self):
        submission = self.graded(self.alice, 2)
        batch = RegradeBatch.objects.create(exercise=self.exercise, version=self.exercise.current_version, total=1)
        regrade_submission_task(submission.pk, batch_id=batch.pk, actor_id=self.ian.pk)
        batch.refresh_from_db()
        self.assertTrue(batch.finished)
        self.assertEqual(submission.grades.count(), 2)
        self.assertEqual(submission.final_score, 6)
        entry = AuditEntry.objects.get()
        self.assertEqual((entry.action, entry.actor, entry.before, entry.after), ("regrade", self.ian, "2", "6"))
        self.login(self.ian)
        self.assertContains(self.client.get(f"/staff/regrades/{batch.pk}/"), "1 of 1 submissions regraded: done")
