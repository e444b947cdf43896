from datetime import timedelta
from unittest import mock

from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from grader.models import Submission
from tests.base import BaseTestCase
from tests.grader.factories import OUTER_SOLUTION, make_exercise


class SubmitTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()  # the reference pool's refill throttle
        self.exercise = make_exercise(self.chapter, max_attempts=3)
        self.url = "/courses/torch-101/tensors/exercises/outer/"
        self.login(self.alice)

    def submit(self, code=OUTER_SOLUTION, **extra):
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            response = self.client.post(self.url, {"code": code, **extra})
        return response, callbacks

    def test_it_saves_a_queued_submission_and_enqueues_it_on_commit(self):
        response, callbacks = self.submit()
        submission = Submission.objects.get()
        self.assertRedirects(response, f"/submissions/{submission.pk}/", fetch_redirect_response=False)
        self.assertEqual((submission.status, submission.user, submission.code), ("queued", self.alice, OUTER_SOLUTION))
        self.assertEqual(submission.version, self.exercise.current_version)
        with mock.patch("grader.jobs.grade_submission_task.apply_async") as grade, \
                mock.patch("grader.jobs.fill_reference_pool_task.apply_async") as fill:
            for callback in callbacks:
                callback()
        grade.assert_called_once()
        self.assertEqual((grade.call_args.args, grade.call_args.kwargs["queue"]), (((submission.pk,),), "cpu"))
        fill.assert_called_once()  # its version's reference pool is empty

    def assert_rejected(self, response, message):
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, message, status_code=400)
        self.assertFalse(Submission.objects.exists())

    def test_it_rejects_empty_code(self):
        response, _ = self.submit("   \n")
        self.assert_rejected(response, "Your code is empty.")

    def test_it_rejects_huge_code_and_keeps_it_in_the_editor(self):
        code = "x = 1\n" * 20_000
        response, _ = self.submit(code)
        self.assert_rejected(response, "Your code is 117.2 KB; the limit is 64 KB.")
        self.assertContains(response, "x = 1\nx = 1", status_code=400)

    def test_it_reports_a_syntax_error_without_using_an_attempt(self):
        response, _ = self.submit("def outer(a, b)\n    return a\n")
        self.assert_rejected(response, "Syntax error on line 1: expected &#x27;:&#x27;")
        self.assertEqual(self.exercise.attempts_left(self.alice), 3)

    def test_it_rejects_nul_bytes_as_binary(self):
        response, _ = self.submit("import torch\x00\x01\x02")
        self.assert_rejected(response, "looks like a binary file")

    def test_it_rejects_a_non_utf8_upload(self):
        upload = SimpleUploadedFile("solution.py", b"def outer(a, b):\n    return '\xff\xfe'\n")
        response = self.client.post(self.url, {"code_file": upload})
        self.assert_rejected(response, "Your file is not UTF-8 text (byte 0xff at position 29)")

    def test_it_accepts_a_utf8_upload(self):
        upload = SimpleUploadedFile("solution.py", OUTER_SOLUTION.encode())
        self.client.post(self.url, {"code_file": upload})
        self.assertEqual(Submission.objects.get().code, OUTER_SOLUTION)

    def test_it_rejects_invalid_utf8_in_the_form(self):
        body = b"code=def+f%28%29%3A+return+%27%FF%27"
        response = self.client.generic("POST", self.url, body, content_type="application/x-www-form-urlencoded")
        self.assert_rejected(response, "not valid UTF-8")

    def test_a_second_submit_while_grading_creates_no_duplicate(self):
        self.submit()
        response, _ = self.submit()
        self.assertContains(response, "still being graded", status_code=400)
        self.assertEqual(Submission.objects.count(), 1)

    def test_it_enforces_the_attempt_limit(self):
        for _ in range(3):
            Submission.objects.create(user=self.alice, exercise=self.exercise, version=self.exercise.current_version,
                                      code="x", status="graded")
        response, _ = self.submit()
        self.assertContains(response, "You have used all 3 attempts", status_code=400)
        self.assertEqual(Submission.objects.count(), 3)

    def test_failed_gradings_do_not_use_attempts(self):
        for _ in range(3):
            Submission.objects.create(user=self.alice, exercise=self.exercise, version=self.exercise.current_version,
                                      code="x", status="error", counts_as_attempt=False)
        self.submit()
        self.assertEqual(Submission.objects.count(), 4)

    def test_it_enforces_the_minimum_interval(self):
        self.exercise.min_interval_s = 60
        self.exercise.save()
        Submission.objects.create(user=self.alice, exercise=self.exercise, version=self.exercise.current_version,
                                  code="x", status="graded", created_at=timezone.now() - timedelta(seconds=15))
        response, _ = self.submit()
        self.assertContains(response, "Wait 45 more seconds", status_code=400)

    def test_it_refuses_after_the_deadline(self):
        self.exercise.deadline = timezone.now() - timedelta(hours=1)
        self.exercise.save()
        response, _ = self.submit()
        self.assertContains(response, "deadline", status_code=400)

    def test_cuda_exercises_go_to_the_gpu_queue(self):
        self.exercise.device = "cuda"
        self.exercise.save()
        self.assertEqual(self.exercise.queue, "gpu")

    def test_an_unpublished_exercise_is_404_for_students(self):
        self.exercise.published = False
        self.exercise.save()
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.login(self.ian)
        self.assertEqual(self.client.get(self.url).status_code, 200)

    def test_an_htmx_submit_returns_the_live_status_fragment(self):
        with self.captureOnCommitCallbacks(execute=False):
            response = self.client.post(self.url, {"code": OUTER_SOLUTION}, headers={"HX-Request": "true"})
        self.assertContains(response, 'hx-trigger="every 1s"')
        self.assertContains(response, 'id="history" hx-swap-oob="true"')
        self.assertContains(response, "<strong>2</strong> attempts left")

    def test_an_htmx_rejection_goes_beside_the_form(self):
        self.submit()
        response = self.client.post(self.url, {"code": OUTER_SOLUTION}, headers={"HX-Request": "true"})
        self.assertEqual(response["HX-Retarget"], "#submit-errors")
        self.assertContains(response, "still being graded")
        self.assertEqual(Submission.objects.count(), 1)
