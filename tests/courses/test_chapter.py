from courses.models import ChapterProgress, Comment
from tests.base import BaseTestCase


class ChapterPageTestCase(BaseTestCase):
    url = "/courses/torch-101/tensors/"

    def test_it_renders_the_chapter_with_highlighting_and_faq(self):
        self.login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, "<h2>Learning objectives</h2>", html=True)
        self.assertContains(r, '<span class="n">x</span>')
        self.assertContains(r, "Is this a question?")
        self.assertContains(r, "<strong>it is</strong>", html=True)
        self.assertContains(r, "Graded code exercises for this chapter appear here")

    def test_it_sanitises_an_instructors_html(self):
        self.chapter.body = "## Summary\n<script>alert(1)</script>\n<img src=x onerror=alert(2)>"
        self.chapter.save()
        self.login(self.alice)
        r = self.client.get(self.url)
        self.assertNotContains(r, "<script>alert")
        self.assertNotContains(r, "<img src=x")

    def test_an_unpublished_chapter_is_404_for_students(self):
        self.login(self.alice)
        self.assertEqual(self.client.get("/courses/torch-101/draft/").status_code, 404)
        self.assertEqual(self.client.get("/courses/torch-101/draft/quiz/").status_code, 404)

    def test_an_unpublished_chapter_is_visible_to_its_instructor_and_admins(self):
        for user in (self.ian, self.ada):
            self.login(user)
            self.assertContains(self.client.get("/courses/torch-101/draft/"), "unpublished")

    def test_another_courses_instructor_cannot_see_unpublished_chapters(self):
        self.login(self.oscar)
        self.assertEqual(self.client.get("/courses/torch-101/draft/").status_code, 404)

    def test_finishing_records_progress_once_and_moves_on(self):
        self.login(self.alice)
        r = self.client.post(self.url + "finish/")
        self.assertRedirects(r, "/courses/torch-101/autograd/")
        self.client.post(self.url + "finish/")
        self.assertEqual(ChapterProgress.objects.filter(user=self.alice).count(), 1)
        self.assertContains(self.client.get(self.url), "You finished this chapter")

    def test_finishing_rejects_get(self):
        self.login(self.alice)
        self.assertEqual(self.client.get(self.url + "finish/").status_code, 405)

    def test_it_shows_visible_comments_only_to_students(self):
        Comment.objects.create(chapter=self.chapter, author=self.bob, body="Nice **chapter**")
        Comment.objects.create(chapter=self.chapter, author=self.bob, body="spam spam", hidden=True)
        self.login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, "<strong>chapter</strong>", html=True)
        self.assertNotContains(r, "spam spam")
