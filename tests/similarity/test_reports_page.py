from datetime import timedelta
from unittest import mock

from django.conf import settings
from django.urls import reverse

from similarity.models import SimilarityReport

from .base import LOOPS, SimilarityTestCase


class ReportsTestCase(SimilarityTestCase):
    def setUp(self):
        super().setUp()
        self.url = reverse("similarity_reports", args=[self.exercise.pk]) + "?run=open"
        self.compare_url = reverse("similarity_request", args=[self.exercise.pk]) + "?run=open"


class ReportsPageTest(ReportsTestCase):

    def test_it_is_for_the_runs_reviewers_only(self):
        self.enroll(self.alice)
        self.assert_reviewers_only(self.url)

    def test_it_sends_visitors_to_log_in(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_it_defaults_to_the_first_run_the_user_may_review(self):
        self.login(self.tina)
        response = self.client.get(reverse("similarity_reports", args=[self.exercise.pk]))
        self.assertEqual(response.context["run"], self.spring)

    def test_it_shows_the_newest_reports_pairs_ranked_and_the_disclaimer(self):
        self.enroll(self.alice, self.bob, self.carol)
        alices, bobs, carols = (self.graded(user, 6, code=LOOPS) for user in (self.alice, self.bob, self.carol))
        SimilarityReport.objects.create(exercise=self.exercise, run=self.run, status="failed", error="old",
                                        created_at=self.run.created_at - timedelta(days=1))
        report = self.done_report([(alices, bobs, 0.35, [], []), (alices, carols, 0.9, [], [])])
        self.login(self.ian)
        response = self.client.get(self.url)
        self.assertContains(response, "not evidence of misconduct")
        self.assertEqual([pair.similarity for pair in response.context["pairs"]], [0.9, 0.35])
        self.assertContains(response, "90%")
        top = report.pairs.first()
        self.assertContains(response, reverse("similarity_pair", args=[top.pk]))
        self.assertLess(response.content.index(b"carol"), response.content.index(b"bob"))

    def test_a_running_report_polls_until_it_is_done(self):
        SimilarityReport.objects.create(exercise=self.exercise, run=self.run)
        self.login(self.ian)
        response = self.client.get(self.url, headers={"HX-Request": "true"})
        self.assertTemplateNotUsed(response, "similarity/reports.html")
        self.assertContains(response, "Comparing…")
        self.assertContains(response, 'hx-trigger="every 2s"')


class CompareRequestTest(ReportsTestCase):
    @mock.patch("similarity.jobs.compare_submissions_task.apply_async")
    def test_it_sends_the_comparison_to_the_background_queue(self, apply_async):
        self.login(self.ian)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(self.compare_url)
        self.assertRedirects(response, self.url, fetch_redirect_response=False)
        report = SimilarityReport.objects.get()
        self.assertEqual((report.exercise, report.run, report.requested_by, report.status),
                         (self.exercise, self.run, self.ian, SimilarityReport.PENDING))
        apply_async.assert_called_once_with((report.pk,), queue="cpu-background",
                                            priority=settings.GRADER_BACKGROUND_PRIORITY)

    @mock.patch("similarity.jobs.compare_submissions_task.apply_async")
    def test_it_refuses_while_a_report_is_running(self, apply_async):
        self.login(self.ian)
        self.client.post(self.compare_url)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(self.compare_url, follow=True)
        self.assertContains(response, "running already")
        self.assertEqual(SimilarityReport.objects.count(), 1)
        apply_async.assert_not_called()

    @mock.patch("similarity.jobs.compare_submissions_task.apply_async")
    def test_a_report_pending_for_hours_does_not_block_a_new_one(self, apply_async):
        lost = SimilarityReport.objects.create(exercise=self.exercise, run=self.run)
        SimilarityReport.objects.filter(pk=lost.pk).update(created_at=lost.created_at - timedelta(hours=2))
        self.login(self.ian)
        self.assertContains(self.client.get(self.url), "probably lost")
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(self.compare_url)
        self.assertEqual(SimilarityReport.objects.count(), 2)
        apply_async.assert_called_once()

    @mock.patch("similarity.jobs.compare_submissions_task.apply_async")
    def test_a_ta_of_another_run_and_a_student_may_not_ask(self, apply_async):
        for user in (self.tina, self.alice):
            self.login(user)
            self.assertEqual(self.client.post(self.compare_url).status_code, 403)
        self.assertFalse(SimilarityReport.objects.exists())

    def test_it_refuses_a_get(self):
        self.login(self.ian)
        self.assertEqual(self.client.get(self.compare_url).status_code, 405)
