from datetime import timedelta

from django.utils import timezone

from courses.models import Comment
from tests.base import BaseTestCase


class CommentsTestCase(BaseTestCase):
    post_url = "/courses/torch-101/tensors/comments/"

    def test_a_student_posts_a_comment(self):
        self.login(self.alice)
        r = self.client.post(self.post_url, {"body": "How do I `view` this?"})
        self.assertRedirects(r, "/courses/torch-101/tensors/#discussion")
        comment = Comment.objects.get()
        self.assertEqual((comment.author, comment.body), (self.alice, "How do I `view` this?"))

    def test_it_rejects_an_empty_comment(self):
        self.login(self.alice)
        self.client.post(self.post_url, {"body": "   "})
        self.assertFalse(Comment.objects.exists())

    def test_a_comments_html_is_sanitised(self):
        self.login(self.alice)
        self.client.post(self.post_url, {"body": "<script>alert(1)</script> hi"})
        r = self.client.get("/courses/torch-101/tensors/")
        self.assertNotContains(r, "<script>alert(1)")

    def test_staff_hide_and_show_a_comment(self):
        comment = Comment.objects.create(chapter=self.chapter, author=self.bob, body="off topic")
        self.login(self.ian)
        self.client.post(f"/comments/{comment.pk}/hide/", {"hidden": "1"})
        comment.refresh_from_db()
        self.assertTrue(comment.hidden)
        self.assertEqual(comment.hidden_by, self.ian)
        self.assertContains(self.client.get("/courses/torch-101/tensors/"), "off topic")
        self.client.post(f"/comments/{comment.pk}/hide/", {"hidden": "0"})
        comment.refresh_from_db()
        self.assertFalse(comment.hidden)

    def test_a_student_cannot_hide_a_comment(self):
        comment = Comment.objects.create(chapter=self.chapter, author=self.bob, body="hello")
        self.login(self.alice)
        self.assertEqual(self.client.post(f"/comments/{comment.pk}/hide/").status_code, 403)
        comment.refresh_from_db()
        self.assertFalse(comment.hidden)

    def test_another_courses_instructor_cannot_hide_a_comment(self):
        comment = Comment.objects.create(chapter=self.chapter, author=self.bob, body="hello")
        self.login(self.oscar)
        self.assertEqual(self.client.post(f"/comments/{comment.pk}/hide/").status_code, 403)

    def test_posting_requires_csrf(self):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(self.alice)
        self.assertEqual(client.post(self.post_url, {"body": "x"}).status_code, 403)

    def test_comments_are_sorted_oldest_first_unless_asked_for_newest(self):
        now = timezone.now()
        for age, body in ((3, "first comment"), (2, "second comment"), (1, "third comment")):
            Comment.objects.create(chapter=self.chapter, author=self.bob, body=body, created_at=now - timedelta(hours=age))

        def order(query=""):
            html = self.client.get(f"/courses/torch-101/tensors/{query}").content.decode()
            return sorted(("first", "second", "third"), key=lambda word: html.index(f"{word} comment"))

        self.assertEqual(order(), ["first", "second", "third"])
        self.assertEqual(order("?comments=oldest"), ["first", "second", "third"])
        self.assertEqual(order("?comments=newest"), ["third", "second", "first"])
        self.assertContains(self.client.get("/courses/torch-101/tensors/"), 'href="?comments=newest#discussion"')
