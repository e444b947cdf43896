"""Bad input at the HTTP level: oversized bodies, undecodable or binary code, request floods."""

from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from grader.models import Submission
from tests.base import BaseTestCase
from tests.grader.factories import make_exercise


class OversizedBodyTests(BaseTestCase):
    def test_a_body_over_the_limit_gets_a_clear_413_page(self):
        self.login(self.alice)
        exercise = make_exercise(self.chapter)
        response = self.client.post(exercise.get_absolute_url(), {"code": "x = 1\n" * 300_000})
        self.assertEqual(response.status_code, 413)
        self.assertContains(response, "That was too large to send", status_code=413)
        self.assertContains(response, "at most 1024 KB", status_code=413)
        self.assertFalse(Submission.objects.exists())

    def test_an_oversized_upload_to_any_page_is_refused_before_the_csrf_check_reads_it(self):
        response = self.client.post("/accounts/login/", b"x" * (2 << 20), content_type="application/octet-stream")
        self.assertEqual(response.status_code, 413)

    def test_a_body_just_under_the_limit_reaches_the_view(self):
        self.login(self.alice)
        exercise = make_exercise(self.chapter)
        response = self.client.post(exercise.get_absolute_url(), {"code": "#" * 900_000})
        # The view's own limit (64 KB of code) answers, with the exercise page.
        self.assertContains(response, "the limit is 64 KB", status_code=400)


class UndecodableCodeTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.login(self.alice)
        self.exercise = make_exercise(self.chapter)

    def test_a_latin1_file_upload_is_refused_with_the_offending_byte(self):
        upload = SimpleUploadedFile("solution.py", "# café\nx = 1\n".encode("latin-1"))
        response = self.client.post(self.exercise.get_absolute_url(), {"code_file": upload})
        self.assertContains(response, "not UTF-8 text (byte 0xe9 at position 5)", status_code=400)
        self.assertFalse(Submission.objects.exists())

    def test_a_binary_file_upload_is_refused(self):
        upload = SimpleUploadedFile("model.pt", b"PK\x03\x04\x00\x00torch")
        response = self.client.post(self.exercise.get_absolute_url(), {"code_file": upload})
        self.assertContains(response, "NUL bytes", status_code=400)
        self.assertFalse(Submission.objects.exists())

    def test_invalid_utf8_in_a_raw_form_body_is_refused(self):
        response = self.client.post(self.exercise.get_absolute_url(), b"code=x%20%3D%20%FF%FE",
                                    content_type="application/x-www-form-urlencoded")
        self.assertContains(response, "not valid UTF-8 text", status_code=400)
        self.assertFalse(Submission.objects.exists())


@override_settings(RATE_LIMIT_REQUESTS=3, RATE_LIMIT_WINDOW_S=60)
class RateLimitTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        from django.core.cache import cache

        cache.clear()
        # A frozen clock: a test crossing a window boundary would otherwise start a fresh count.
        clock = mock.patch("torchgrade.middleware.time.time", return_value=1_000_000.0)
        clock.start()
        self.addCleanup(clock.stop)

    def test_a_user_over_the_limit_gets_429_with_a_page_saying_when_to_retry(self):
        self.login(self.alice)
        for _ in range(3):
            self.assertEqual(self.client.get("/").status_code, 200)
        response = self.client.get(self.chapter.get_absolute_url())
        self.assertContains(response, "Too many requests", status_code=429)
        self.assertContains(response, "and reload the page", status_code=429)
        self.assertTrue(1 <= int(response["Retry-After"]) <= 60)

    def test_each_user_has_their_own_allowance(self):
        self.login(self.alice)
        for _ in range(4):
            self.client.get("/")
        self.login(self.bob)
        self.assertEqual(self.client.get("/").status_code, 200)

    def test_visitors_are_counted_by_address(self):
        for _ in range(3):
            self.client.get("/", REMOTE_ADDR="192.0.2.1")
        self.assertEqual(self.client.get("/", REMOTE_ADDR="192.0.2.1").status_code, 429)
        self.assertEqual(self.client.get("/", REMOTE_ADDR="192.0.2.2").status_code, 200)

    @override_settings(RATE_LIMIT_IP_HEADER="HTTP_X_FORWARDED_FOR")
    def test_behind_a_proxy_visitors_are_counted_by_the_address_the_proxy_saw(self):
        for _ in range(3):
            self.client.get("/", HTTP_X_FORWARDED_FOR="spoofed, 198.51.100.7")
        self.assertEqual(self.client.get("/", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code, 429)
        self.assertEqual(self.client.get("/", HTTP_X_FORWARDED_FOR="198.51.100.8").status_code, 200)

    def test_health_checks_are_never_limited(self):
        for _ in range(10):
            self.assertEqual(self.client.get("/healthz").status_code, 200)

    @override_settings(RATE_LIMIT_REQUESTS=0)
    def test_zero_turns_the_limit_off(self):
        for _ in range(10):
            self.assertEqual(self.client.get("/").status_code, 200)


class RestoreParameterTests(BaseTestCase):
    """?restore=<submission id> on the exercise page puts that submission's code back in the editor."""

    def setUp(self):
        super().setUp()
        self.exercise = make_exercise(self.chapter)
        self.mine = Submission.objects.create(user=self.alice, exercise=self.exercise, code="mine = 1\n",
                                              version=self.exercise.current_version)
        self.latest = Submission.objects.create(user=self.alice, exercise=self.exercise, code="latest = 2\n",
                                                version=self.exercise.current_version)
        self.theirs = Submission.objects.create(user=self.bob, exercise=self.exercise, code="theirs = 3\n",
                                                version=self.exercise.current_version)
        self.login(self.alice)

    def restore(self, value):
        return self.client.get(self.exercise.get_absolute_url(), {"restore": value})

    def test_it_restores_the_users_own_submission(self):
        response = self.restore(str(self.mine.pk))
        self.assertContains(response, f"Restored the code of submission {self.mine.pk}")
        self.assertContains(response, "mine = 1")

    def test_another_users_submission_is_not_restored(self):
        response = self.restore(str(self.theirs.pk))
        self.assertNotContains(response, "theirs = 3")
        self.assertContains(response, "latest = 2")

    def test_digits_outside_ascii_are_a_bad_request(self):
        # str.isdigit() accepts all of these; int() reads the first two as a number and fails on the rest.
        for value in (f"{self.mine.pk:d}".translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
                      f"{self.mine.pk:d}".translate(str.maketrans("0123456789", "０１２３４５６７８９")), "²", "1²", "①"):
            response = self.restore(value)
            self.assertEqual(response.status_code, 400, repr(value))
            self.assertNotIn(b"mine = 1", response.content)

    def test_other_values_are_a_bad_request(self):
        for value in ("-1", "+1", "1.0", " 1", "abc", "0x1"):
            self.assertEqual(self.restore(value).status_code, 400, repr(value))

    def test_an_id_beyond_any_row_restores_nothing(self):
        for value in ("0", "9" * 30):
            response = self.restore(value)
            self.assertContains(response, "latest = 2")
            self.assertNotContains(response, "Restored the code")
