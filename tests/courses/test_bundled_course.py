from io import StringIO

import yaml
from django.conf import settings
from django.core.management import call_command
from django.test import TestCase

from courses.loader import MIN_INTERVIEW_QUESTIONS, MIN_QUIZ_QUESTIONS, parse_course
from courses.models import Course

BUNDLED = settings.COURSE_CONTENT_DIR / "pytorch-essentials"
EXPECTED_CHAPTERS = [
    "introduction", "setup", "tensors", "autograd", "nn-module", "loss-and-optimizers",
    "training-loop", "data-loading", "saving-and-evaluating", "applications",
]
# The bar: in at most this share of a chapter's single-answer questions may the correct
# option be the longest one (a tie counts as longest), or length alone would find the answer.
MAX_LONGEST_CORRECT_SHARE = 0.4


def quiz_file_questions(chapter):
    """The chapter's questions as written in quiz.yaml, read apart from the loader on purpose."""
    return yaml.safe_load((chapter.folder / "quiz.yaml").read_text(encoding="utf-8"))["questions"]


def correct_count(question):
    return sum(bool(option.get("correct")) for option in question["options"])


def is_multiple_answer(question):
    return question.get("multiple", False) or correct_count(question) > 1


def correct_is_longest(question):
    correct = [len(o["text"]) for o in question["options"] if o.get("correct")]
    wrong = [len(o["text"]) for o in question["options"] if not o.get("correct")]
    return correct[0] >= max(wrong)


class BundledCourseTestCase(TestCase):
    """The course that ships with the site follows every authoring rule (content errors fail CI)."""

    @classmethod
    def setUpTestData(cls):
        cls.data = parse_course(BUNDLED)

    def test_it_has_the_ten_chapters_in_order(self):
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

    def test_no_chapter_gives_answers_away_by_option_length(self):
        for chapter in self.data.chapters:
            single = [q for q in quiz_file_questions(chapter) if not is_multiple_answer(q)]
            longest = [q["id"] for q in single if correct_is_longest(q)]
            with self.subTest(chapter=chapter.slug, longest=longest):
                self.assertTrue(single)
                self.assertLessEqual(len(longest) / len(single), MAX_LONGEST_CORRECT_SHARE)

    def test_multiple_answer_questions_vary_in_how_many_options_are_correct(self):
        counts = []
        for chapter in self.data.chapters:
            multiple = [q for q in quiz_file_questions(chapter) if is_multiple_answer(q)]
            chapter_counts = {correct_count(q) for q in multiple}
            with self.subTest(chapter=chapter.slug):
                self.assertGreater(len(chapter_counts), 1, "a chapter's multiple-answer questions all have the same number correct")
            counts += [(correct_count(q), len(q["options"])) for q in multiple]
        self.assertIn(1, {correct for correct, _ in counts}, "no multiple-answer question with a single correct option")
        self.assertTrue(any(correct == total for correct, total in counts), "no multiple-answer question with every option correct")
        self.assertGreaterEqual(len({correct for correct, _ in counts}), 3)

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
