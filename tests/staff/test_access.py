"""Staff pages and actions refuse students and other courses' instructors: 403, nothing queued,
nothing audited, no score changed."""

from unittest import mock

from grader.models import AuditEntry, RegradeBatch, ScoreOverride
from tests.staff.base import StaffTestCase


class StaffAccessTestCase(StaffTestCase):
    def setUp(self):
        super().setUp()
        self.submission = self.graded(self.alice, 2)
        self.batch = RegradeBatch.objects.create(exercise=self.exercise, version=self.exercise.current_version,
                                                 requested_by=self.ian, total=1)
        enqueue = mock.patch("grader.jobs.regrade_submission_task.apply_async")
        self.enqueued = enqueue.start()
        self.addCleanup(enqueue.stop)

    def post(self, url, data=None):
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(url, data or {})

    def assert_refused(self, url, data=None):
        for user in (self.alice, self.oscar):
            self.login(user)
            self.assertEqual(self.post(url, data).status_code, 403, f"{user} on {url}")
        self.enqueued.assert_not_called()
        self.assertFalse(AuditEntry.objects.exists())
        self.assertFalse(ScoreOverride.objects.exists())
        self.assertEqual(RegradeBatch.objects.get(), self.batch)

    def test_the_submissions_list_is_staff_only(self):
        self.assert_staff_only("/staff/courses/torch-101/submissions/")

    def test_the_regrade_progress_page_and_fragment_are_staff_only(self):
        url = f"/staff/regrades/{self.batch.pk}/"
        self.assert_staff_only(url)
        for user, status in ((self.alice, 403), (self.oscar, 403), (self.ian, 200)):
            self.login(user)
            self.assertEqual(self.client.get(url, headers={"HX-Request": "true"}).status_code, status, user)

    def test_others_cannot_regrade_a_submission(self):
        self.assert_refused(f"/staff/submissions/{self.submission.pk}/regrade/")

    def test_others_cannot_regrade_every_submission_of_an_exercise(self):
        self.assert_refused(f"/staff/exercises/{self.exercise.pk}/regrade-all/")

    def test_others_cannot_override_a_score(self):
        self.assert_refused(f"/staff/submissions/{self.submission.pk}/override/", {"score": "6", "reason": "mine"})

    def test_the_courses_instructor_can_regrade_one_or_all(self):
        # The same calls as above, by the right person: the refusals are not a broken mock.
        self.login(self.ian)
        self.post(f"/staff/submissions/{self.submission.pk}/regrade/")
        self.post(f"/staff/exercises/{self.exercise.pk}/regrade-all/")
        self.assertEqual([c.args[0] for c in self.enqueued.call_args_list],
                         [(self.submission.pk,), (self.submission.pk,)])

    def test_regrading_is_post_only(self):
        self.login(self.ian)
        self.assertEqual(self.client.get(f"/staff/submissions/{self.submission.pk}/regrade/").status_code, 405)
        self.assertEqual(self.client.get(f"/staff/exercises/{self.exercise.pk}/regrade-all/").status_code, 405)
        self.enqueued.assert_not_called()

    def test_visitors_are_sent_to_log_in(self):
        for url in ("/staff/courses/torch-101/submissions/", f"/staff/regrades/{self.batch.pk}/"):
            self.assertRedirects(self.client.get(url), f"/accounts/login/?next={url}", fetch_redirect_response=False)
        self.post(f"/staff/submissions/{self.submission.pk}/regrade/")
        self.enqueued.assert_not_called()
