import shutil
import tempfile
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.test import TestCase

from courses.loader import parse_course
from tests.courses.test_import_course import CHAPTER_MD, CourseFolder, quiz_yaml


class ExportCourseTestCase(TestCase):
    def assert_round_trip(self, folder, slug):
        call_command("import_course", str(folder), stdout=StringIO(), stderr=StringIO())
        out = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, out)
        call_command("export_course", slug, str(out), stdout=StringIO())

        original, exported = parse_course(folder), parse_course(out)
        self.assertEqual(
            (exported.slug, exported.title, exported.description, exported.published),
            (original.slug, original.title, original.description, original.published),
        )
        self.assertEqual(len(exported.chapters), len(original.chapters))
        for a, b in zip(original.chapters, exported.chapters):
            self.assertEqual((a.slug, a.title, a.summary, a.body, a.faq, a.published, a.level, a.updated),
                             (b.slug, b.title, b.summary, b.body, b.faq, b.published, b.level, b.updated))
            self.assertEqual(a.quiz_policy, b.quiz_policy)
            self.assertEqual(a.questions, b.questions)
            self.assertEqual(a.interview, b.interview)
            self.assertEqual(a.extensions, b.extensions)
        return original

    def test_export_then_import_changes_nothing(self):
        self.assert_round_trip(settings.COURSE_CONTENT_DIR / "pytorch-essentials", "pytorch-essentials")

    def test_a_quiz_policy_level_date_and_one_answer_multiple_question_survive(self):
        folder = CourseFolder()
        self.addCleanup(folder.cleanup)
        folder.write("01-first/chapter.md", CHAPTER_MD.format(slug="first", title="First").replace(
            "summary: A chapter.\n", "summary: A chapter.\nlevel: intermediate\nupdated: 2025-03-14\n"))
        folder.write("01-first/quiz.yaml", "policy: {attempts: 2, reveal: after_last, score: last}\n"
                     + quiz_yaml().replace("  - id: q0\n", "  - id: q0\n    multiple: true\n", 1))
        first = self.assert_round_trip(folder.root, "mini").chapters[0]
        self.assertEqual((first.quiz_policy.attempts, first.quiz_policy.reveal, first.quiz_policy.score, first.level),
                         (2, "after_last", "last", "intermediate"))
        self.assertTrue(first.questions[0].multiple)
