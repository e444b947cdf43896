from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.test import TestCase

from courses.loader import MIN_INTERVIEW_QUESTIONS, MIN_QUIZ_QUESTIONS, parse_course
from courses.models import Course

BUNDLED = settings.COURSE_CONTENT_DIR / "pytorch-essentials"
EXPECTED_CHAPTERS = [
    "introduction", "setup", "tensors", "autograd", "nn-module",
    "loss-and-optimizers", "training-loop", "applications",
]


class BundledCourseTestCase(TestCase):
    """The course that ships with the site follows every authoring rule (content errors fail CI)."""

    @classmethod
    def setUpTestData(cls):
        cls.data = parse_course(BUNDLED)

    def test_it_has_the_eight_chapters_in_order(self):
        self.assertEqual([c.slug for c in self.data.chapters], EXPECTED_CHAPTERS)

    def test_every_chapter_has_enough_questions_with_explanations(self):
        for chapter in self.data.chapters:
            with self.subTest(chapter=chapter.slug):
                self.assertGreaterEqual(len(chapter.questions), MIN_QUIZ_QUESTIONS)
                self.assertGreaterEqual(len(chapter.interview), MIN_INTERVIEW_QUESTIONS)
                self.assertTrue(any(sum(o.correct for o in q.options) > 1 for q in chapter.questions),
                                "each quiz has a multiple-answer question")
                for question in chapter.questions:
                    self.assertTrue(any(o.correct for o in question.options), question.key)
                    self.assertTrue(all(o.explanation for o in question.options), question.key)

    def test_every_chapter_has_code_and_a_faq(self):
        for chapter in self.data.chapters:
            with self.subTest(chapter=chapter.slug):
                self.assertIn("```python", chapter.body)
                self.assertGreaterEqual(len(chapter.faq), 2)

    def test_it_imports_and_renders(self):
        call_command("import_course", str(BUNDLED), stdout=StringIO())
        course = Course.objects.get(slug="pytorch-essentials")
        self.assertEqual(course.chapters.count(), len(EXPECTED_CHAPTERS))
        for chapter in course.chapters.all():
            self.assertIn('<pre class="highlight">', chapter.body_html)
