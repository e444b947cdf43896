import shutil
import tempfile
from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from courses.models import Chapter
from grader.models import Exercise
from tests.authoring.forms import chapter_form, exercise_form
from tests.base import BaseTestCase

EXERCISE_FIELDS = ["title", "prompt", "starter_code", "device", "max_attempts", "min_interval_s",
                   "published", "current_version"]
CHAPTER_FIELDS = ["title", "summary", "body", "faq", "published"]


class AdminEditRoundTripTestCase(BaseTestCase):
    def test_edits_made_in_the_admin_export_and_reimport_unchanged(self):
        call_command("import_course", str(settings.COURSE_CONTENT_DIR / "pytorch-essentials"), stdout=StringIO())
        exercise = Exercise.objects.get(slug="outer-product")
        exercise.chapter.course.instructors.add(self.ian)
        self.ian.is_staff = True
        self.ian.save()
        self.login(self.ian)

        chapter = exercise.chapter
        body = chapter.body.replace("\n", "\r\n").replace("## Summary", "## Summary\r\n\r\nEdited in the admin.")
        self.client.post(reverse("admin:courses_chapter_change", args=[chapter.pk]),
                         chapter_form(chapter, body=body))
        solution = exercise.current_version.solution_code + "\r\n# Edited in the admin.\r\n"
        with self.captureOnCommitCallbacks(execute=False):
            self.client.post(reverse("admin:grader_exercise_change", args=[exercise.pk]),
                             exercise_form(exercise, solution_code=solution, max_attempts=12))
        chapter.refresh_from_db()
        exercise.refresh_from_db()
        self.assertIn("Edited in the admin.", chapter.body)
        self.assertEqual((exercise.current_version.number, exercise.max_attempts), (2, 12))

        before = self.snapshot(chapter, exercise)
        out = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, out)
        call_command("export_course", chapter.course.slug, out, stdout=StringIO())
        call_command("import_course", out, stdout=StringIO())
        self.assertEqual(self.snapshot(chapter, exercise), before)

    def snapshot(self, chapter, exercise):
        return (list(Chapter.objects.filter(pk=chapter.pk).values(*CHAPTER_FIELDS)),
                list(Exercise.objects.filter(pk=exercise.pk).values(*EXERCISE_FIELDS)))
