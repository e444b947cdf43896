from courses.models import Comment, QuizAttempt
from tests.base import BaseTestCase


class PublicReadingTestCase(BaseTestCase):
    """Visitors read published courses and chapters; practising and commenting need an account."""

    chapter_url = "/courses/torch-101/tensors/"

    def test_a_visitor_reads_a_published_course(self):
        r = self.client.get("/courses/torch-101/")
        self.assertContains(r, "Chapter tensors")
        self.assertNotContains(r, "Chapter draft")
        self.assertNotContains(r, "chapters finished")
        self.assertContains(r, '<a href="/accounts/login/?next=/courses/torch-101/">Log in</a>', html=True)

    def test_a_visitor_reads_a_chapter_its_faq_and_its_comments(self):
        Comment.objects.create(chapter=self.chapter, author=self.bob, body="Nice **chapter**")
        Comment.objects.create(chapter=self.chapter, author=self.bob, body="spam spam", hidden=True)
        r = self.client.get(self.chapter_url)
        self.assertContains(r, "<h2>Learning objectives</h2>", html=True)
        self.assertContains(r, "Is this a question?")
        self.assertContains(r, "<strong>chapter</strong>", html=True)
        self.assertNotContains(r, "spam spam")
        self.assertNotContains(r, "<textarea")
        self.assertNotContains(r, "Finish this chapter")

    def test_a_visitor_is_asked_to_log_in_and_sent_back(self):
        r = self.client.get(self.chapter_url)
        self.assertContains(r, '<a class="button" href="/accounts/login/?next=/courses/torch-101/tensors/quiz/">'
                               'Log in to take the quiz</a>', html=True)
        self.assertContains(r, 'href="/accounts/login/?next=/courses/torch-101/tensors/interview/"')
        self.assertContains(r, '<a href="/accounts/login/?next=/courses/torch-101/tensors/%23discussion">'
                               'Log in to comment</a>', html=True)
        self.assertContains(r, 'href="/accounts/login/?next=/courses/torch-101/tensors/">Log in</a>')

        r = self.client.post("/accounts/login/?next=/courses/torch-101/tensors/quiz/",
                             {"username": "alice", "password": "correct horse battery staple",
                              "next": "/courses/torch-101/tensors/quiz/"})
        self.assertRedirects(r, "/courses/torch-101/tensors/quiz/")

    def test_practising_and_posting_need_an_account(self):
        for method, path in (("get", "quiz/"), ("post", "quiz/"), ("get", "interview/"), ("post", "interview/"),
                             ("post", "comments/"), ("post", "finish/")):
            with self.subTest(method=method, path=path):
                data = {"body": "hi", "single": "b"} if method == "post" else {}
                r = getattr(self.client, method)(self.chapter_url + path, data)
                self.assertRedirects(r, f"/accounts/login/?next={self.chapter_url}{path}", fetch_redirect_response=False)
        self.assertFalse(Comment.objects.exists())
        self.assertFalse(QuizAttempt.objects.exists())

    def test_unpublished_chapters_and_courses_are_hidden_from_visitors(self):
        self.assertEqual(self.client.get("/courses/torch-101/draft/").status_code, 404)
        self.course.published = False
        self.course.save()
        self.assertEqual(self.client.get("/courses/torch-101/").status_code, 404)
        self.assertEqual(self.client.get(self.chapter_url).status_code, 404)
        self.assertNotContains(self.client.get("/"), "Torch 101")

    def test_a_logged_in_student_still_practises_from_the_chapter(self):
        self.login(self.alice)
        r = self.client.get(self.chapter_url)
        self.assertContains(r, '<a class="button" href="/courses/torch-101/tensors/quiz/">Take the quiz</a>', html=True)
        self.assertContains(r, "<textarea")
        self.assertNotContains(r, "Log in to")
