from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from grader.models import CheckResult, Grade, Submission, WorkerHeartbeat
from tests.base import BaseTestCase
from tests.grader.factories import make_exercise


class SubmissionPageTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.exercise = make_exercise(self.chapter)
        self.submission = Submission.objects.create(
            user=self.alice, exercise=self.exercise, version=self.exercise.current_version,
            code="print('<script>alert(1)</script>')",
        )
        self.url = f"/submissions/{self.submission.pk}/"

    def test_a_queued_submission_polls_its_status(self):
        self.login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, 'hx-trigger="every 1s"')
        self.assertContains(r, "Position 1 in the queue")

    def test_a_graded_submission_stops_polling_and_shows_each_check(self):
        grade = Grade.objects.create(
            submission=self.submission, request="submit:1", version=self.exercise.current_version, score=2,
            max_score=6, seed=1, torch_version="2.13.0", device="cpu", sandbox_status="ok", stdout="<b>hi</b>",
        )
        CheckResult.objects.create(grade=grade, position=0, name="Examples", kind="value", passed=True,
                                   points=2, max_points=2, message="Matches.")
        CheckResult.objects.create(grade=grade, position=1, name="Random", kind="value", passed=False,
                                   points=0, max_points=3, message="shape mismatch: expected (4, 3), got (4,)")
        self.submission.status = "graded"
        self.submission.save()
        self.login(self.alice)
        r = self.client.get(f"/submissions/{self.submission.pk}/status/")
        self.assertNotContains(r, "hx-trigger")
        self.assertContains(r, "2 / 6")
        self.assertContains(r, "shape mismatch: expected (4, 3), got (4,)")
        self.assertContains(r, "&lt;b&gt;hi&lt;/b&gt;")

    def test_student_code_is_escaped(self):
        self.login(self.alice)
        r = self.client.get(self.url)
        self.assertNotContains(r, "<script>alert(1)</script>")
        self.assertContains(r, "&lt;script&gt;alert(1)&lt;/script&gt;")

    def test_another_student_gets_404(self):
        self.login(self.bob)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertEqual(self.client.get(self.url + "status/").status_code, 404)

    def test_the_courses_instructor_can_see_it_but_not_another_courses(self):
        self.login(self.ian)
        self.assertEqual(self.client.get(self.url).status_code, 200)
        self.login(self.oscar)
        self.assertEqual(self.client.get(self.url).status_code, 404)

    def test_a_cuda_submission_says_it_waits_for_a_gpu_worker(self):
        self.exercise.device = "cuda"
        self.exercise.save()
        self.login(self.alice)
        self.assertContains(self.client.get(self.url), "Waiting for a GPU worker")

    def test_it_stops_saying_so_once_a_gpu_worker_is_online(self):
        self.exercise.device = "cuda"
        self.exercise.save()
        WorkerHeartbeat.objects.create(hostname="gpu1", queues=["gpu"], last_seen=timezone.now())
        self.login(self.alice)
        self.assertNotContains(self.client.get(self.url), "Waiting for a GPU worker")

    def test_polling_a_running_submission_does_not_rebuild_the_history(self):
        self.login(self.alice)
        self.client.get(self.url + "status/")
        # session, user; the ETag's submission and queue position; the view's submission, grade, queue position
        with self.assertNumQueries(7):
            r = self.client.get(self.url + "status/")
        self.assertNotContains(r, 'id="history"')

    def test_a_poll_that_finds_nothing_new_is_a_304_without_a_render(self):
        self.login(self.alice)
        first = self.client.get(self.url + "status/")
        self.assertEqual(first["Cache-Control"], "no-cache, private")
        with self.assertNumQueries(4):  # session, user, the submission, its queue position
            again = self.client.get(self.url + "status/", HTTP_IF_NONE_MATCH=first["ETag"])
        self.assertEqual((again.status_code, again.content), (304, b""))
        Submission.objects.create(user=self.bob, exercise=self.exercise, version=self.exercise.current_version,
                                  code="x", created_at=self.submission.created_at - timedelta(seconds=1))
        moved = self.client.get(self.url + "status/", HTTP_IF_NONE_MATCH=first["ETag"])
        self.assertContains(moved, "Position 2 in the queue")

    def test_a_finished_submission_always_renders_and_others_never_get_a_304(self):
        self.login(self.alice)
        etag = self.client.get(self.url + "status/")["ETag"]
        self.login(self.bob)
        self.assertEqual(self.client.get(self.url + "status/", HTTP_IF_NONE_MATCH=etag).status_code, 404)
        Submission.objects.filter(pk=self.submission.pk).update(status="graded")
        self.login(self.alice)
        response = self.client.get(self.url + "status/", HTTP_IF_NONE_MATCH=etag)
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("ETag", response)

    def test_the_poll_that_finds_it_graded_refreshes_the_history(self):
        self.submission.status = "graded"
        self.submission.save()
        self.login(self.alice)
        self.assertContains(self.client.get(self.url + "status/"), 'id="history" hx-swap-oob="true"')

    def test_the_exercise_pages_queries_do_not_grow_with_the_history(self):
        Submission.objects.filter(pk=self.submission.pk).update(status="graded")  # as the ones added below
        self.login(self.alice)
        url = self.exercise.get_absolute_url()
        self.client.get(url)
        with CaptureQueriesContext(connection) as first:
            self.client.get(url)
        for _ in range(5):
            Submission.objects.create(user=self.alice, exercise=self.exercise, status="graded",
                                      version=self.exercise.current_version, code="x")
        with self.assertNumQueries(len(first.captured_queries)):
            self.client.get(url)
