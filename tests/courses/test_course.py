from courses.models import ChapterProgress, QuizAttempt
from tests.base import BaseTestCase


class CoursePageTestCase(BaseTestCase):
    url = "/courses/torch-101/"

    def test_it_lists_published_chapters_for_students(self):
        self.login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, "Chapter tensors")
        self.assertContains(r, "Chapter autograd")
        self.assertNotContains(r, "Chapter draft")

    def test_it_shows_unpublished_chapters_to_the_instructor(self):
        self.login(self.ian)
        self.assertContains(self.client.get(self.url), "Chapter draft")

    def test_it_shows_progress_and_the_next_chapter(self):
        ChapterProgress.objects.create(user=self.alice, chapter=self.chapter)
        self.login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, "1 of 2 chapters finished")
        self.assertContains(r, 'aria-valuenow="1"')
        self.assertContains(r, "Next: Chapter autograd")

    def test_it_lists_the_best_quiz_score(self):
        QuizAttempt.grade(self.alice, self.chapter, {"single": ["b"]})
        QuizAttempt.grade(self.alice, self.chapter, {"single": ["b"], "multiple": ["a", "c"]})
        QuizAttempt.grade(self.alice, self.chapter, {})
        self.login(self.alice)
        self.assertContains(self.client.get(self.url), "Practice score, best attempt: <strong>2 / 2</strong>")

    def test_an_unpublished_course_is_hidden_from_students(self):
        self.course.published = False
        self.course.save()
        self.login(self.alice)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertNotContains(self.client.get("/"), "Torch 101")

    def test_the_course_page_does_not_query_per_chapter(self):
        from tests.base import make_chapter

        self.login(self.alice)
        self.client.get(self.url)
        with self.assertNumQueries(8) as first:
            self.client.get(self.url)
        for position in range(4, 9):
            make_chapter(self.course, f"extra-{position}", position)
        with self.assertNumQueries(len(first.captured_queries)):
            self.client.get(self.url)
