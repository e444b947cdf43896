import shutil
import tempfile
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.test import TestCase

from courses.models import Chapter
from grader.content import with_published
from grader.models import Exercise, ExerciseValidation

BUNDLED = settings.COURSE_CONTENT_DIR / "pytorch-essentials"


class ExerciseImportTestCase(TestCase):
    def setUp(self):
        self.folder = Path(tempfile.mkdtemp()) / "course"
        shutil.copytree(BUNDLED, self.folder)
        self.addCleanup(shutil.rmtree, self.folder.parent)

    def run_import(self, *args):
        out = StringIO()
        call_command("import_course", *args, str(self.folder), stdout=out)
        return out.getvalue()

    def test_it_imports_every_exercise_with_a_first_version(self):
        self.run_import()
        exercise = Exercise.objects.get(slug="outer-product")
        self.assertEqual((exercise.current_version.number, exercise.device, exercise.max_attempts), (1, "cpu", 30))
        self.assertEqual(exercise.chapter, Chapter.objects.get(slug="tensors"))

    def test_a_changed_solution_makes_a_new_version_and_an_unchanged_one_does_not(self):
        self.run_import()
        self.run_import()
        self.assertEqual(Exercise.objects.get(slug="outer-product").current_version.number, 1)
        solution = self.folder / "03-tensors/exercises/outer-product/solution.py"
        solution.write_text(solution.read_text() + "\n# faster\n")
        self.run_import()
        exercise = Exercise.objects.get(slug="outer-product")
        self.assertEqual((exercise.current_version.number, exercise.versions.count()), (2, 2))

    def test_a_version_that_failed_validation_is_not_published_by_import(self):
        self.run_import()
        exercise = Exercise.objects.get(slug="outer-product")
        ExerciseValidation.objects.create(version=exercise.current_version, status=ExerciseValidation.FAILED)
        self.run_import()
        exercise.refresh_from_db()
        self.assertFalse(exercise.published)

    def test_validate_queues_one_validation_per_unvalidated_version(self):
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            output = self.run_import("--validate")
        count = Exercise.objects.count()
        self.assertIn(f"Queued the validation of {count} exercise versions.", output)
        self.assertEqual((ExerciseValidation.objects.filter(status="pending").count(), len(callbacks)), (count, count))

    def test_export_writes_what_the_site_says_about_publishing(self):
        self.run_import()
        Exercise.objects.filter(slug="outer-product").update(published=False)
        out = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, out)
        call_command("export_course", "pytorch-essentials", str(out), stdout=StringIO())
        exported = (out / "03-tensors/exercises/outer-product/exercise.yaml").read_text()
        self.assertIn("published: false", exported)
        call_command("import_course", str(out), stdout=StringIO())
        self.assertFalse(Exercise.objects.get(slug="outer-product").published)


class WithPublishedTestCase(TestCase):
    def test_it_replaces_or_adds_the_top_level_key_only(self):
        self.assertEqual(with_published("title: T\npublished: true\n", False), "title: T\npublished: false\n")
        self.assertEqual(with_published("title: T\n", False), "title: T\npublished: false\n")
        self.assertEqual(with_published("title: T\n", True), "title: T\n")
        self.assertEqual(with_published("checks:\n  - published: x\n", True), "checks:\n  - published: x\n")
