import shutil
import tempfile
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.test import TestCase

from courses.loader import parse_course


class ExportCourseTestCase(TestCase):
    def test_export_then_import_changes_nothing(self):
        bundled = settings.COURSE_CONTENT_DIR / "pytorch-essentials"
        call_command("import_course", str(bundled), stdout=StringIO())
        out = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, out)
        call_command("export_course", "pytorch-essentials", str(out), stdout=StringIO())

        original, exported = parse_course(bundled), parse_course(out)
        self.assertEqual(
            (exported.slug, exported.title, exported.description, exported.published),
            (original.slug, original.title, original.description, original.published),
        )
        self.assertEqual(len(exported.chapters), len(original.chapters))
        for a, b in zip(original.chapters, exported.chapters):
            self.assertEqual((a.slug, a.title, a.summary, a.body, a.faq, a.published),
                             (b.slug, b.title, b.summary, b.body, b.faq, b.published))
            self.assertEqual(a.questions, b.questions)
            self.assertEqual(a.interview, b.interview)
            self.assertEqual(a.extensions, b.extensions)
