from django.test import Client
from django.urls import reverse

from tests.base import BaseTestCase


class MarkdownPreviewTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.url = reverse("markdown_preview", args=[self.course.slug])
        self.text = "## Hello\n\n*torch* <script>alert(1)</script> <img src=x onerror=alert(1)>\n"

    def test_it_renders_markdown_sanitised_for_the_course_instructor(self):
        self.login(self.ian)
        response = self.client.post(self.url, {"text": self.text})
        self.assertContains(response, "<h2>Hello</h2>")
        self.assertContains(response, "<em>torch</em>")
        self.assertNotContains(response, "<script")
        self.assertNotContains(response, "<img")

    def test_superusers_may_preview_any_course(self):
        self.login(self.ada)
        self.assertEqual(self.client.post(self.url, {"text": "x"}).status_code, 200)

    def test_students_and_other_instructors_are_refused(self):
        for user in (self.alice, self.oscar):
            with self.subTest(user.username):
                self.login(user)
                self.assertEqual(self.client.post(self.url, {"text": self.text}).status_code, 403)
        self.client.logout()
        self.assertEqual(self.client.post(self.url, {"text": self.text}).status_code, 403)

    def test_it_needs_a_post_with_a_csrf_token(self):
        self.login(self.ian)
        self.assertEqual(self.client.get(self.url).status_code, 405)
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(self.ian)
        self.assertEqual(strict.post(self.url, {"text": "x"}).status_code, 403)
