from unittest import mock

from django.conf import settings
from django.urls import reverse

from grader.models import ExerciseValidation
from judging.spec import Attempts
from tests.authoring.forms import exercise_form
from tests.base import BaseTestCase
from tests.grader.factories import OUTER_SOLUTION, make_exercise


class ExerciseAdminTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.ian.is_staff = True
        self.ian.save()
        self.exercise = make_exercise(self.chapter, published=False)
        self.url = reverse("admin:grader_exercise_change", args=[self.exercise.pk])
        self.login(self.ian)

    def save(self, **changes):
        with self.captureOnCommitCallbacks(execute=False) as self.callbacks:
            response = self.client.post(self.url, exercise_form(self.exercise, **changes))
        self.exercise.refresh_from_db()
        return response

    def pass_validation(self):
        ExerciseValidation.objects.create(version=self.exercise.current_version, status=ExerciseValidation.PASSED,
                                          max_score=6, reference_score=6, starter_score=2)

    def test_the_change_page_shows_the_yaml_the_solution_and_a_preview(self):
        response = self.client.get(self.url)
        self.assertContains(response, "forbid: [torch.outer]")
        self.assertContains(response, "a.reshape(-1, 1) @ b.reshape(1, -1)")
        self.assertContains(response, reverse("markdown_preview", args=[self.course.slug]))
        self.assertContains(response, self.exercise.get_absolute_url())
        self.assertContains(response, "Not validated yet")

    def test_an_added_exercise_starts_unpublished_at_version_1_with_its_validation_queued(self):
        form = exercise_form(self.exercise, slug="outer-again", published="")
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            response = self.client.post(reverse("admin:grader_exercise_add"), form)
        self.assertEqual(response.status_code, 302)
        added = self.chapter.exercises.get(slug="outer-again")
        self.assertEqual((added.published, added.current_version.number, len(callbacks)), (False, 1, 1))
        self.assertContains(self.client.get(reverse("admin:grader_exercise_add")),
                            '<input type="checkbox" name="published" id="id_published">')

    def test_bad_yaml_is_reported_with_its_line_and_makes_no_version(self):
        source = self.exercise.current_version.spec_source
        response = self.save(spec_source=source.replace("entry: {function: outer}", "entry: {function: outer"))
        self.assertContains(response, "Line 4: invalid YAML")
        response = self.save(spec_source=source.replace("    points: 3\n", "    points: lots\n"))
        self.assertContains(response, "Line 11: &#x27;points&#x27; must be a number from 0 to 1000")
        self.assertEqual(self.exercise.versions.count(), 1)

    def test_a_solution_with_a_syntax_error_is_refused(self):
        response = self.save(solution_code="import torch\ndef outer(a, b)\n    return a\n")
        self.assertContains(response, "Line 2: syntax error")
        self.assertEqual(self.exercise.versions.count(), 1)

    def test_a_changed_solution_makes_the_next_version_and_queues_its_validation(self):
        response = self.save(solution_code=OUTER_SOLUTION.replace("\n", "\r\n") + "# tidier\r\n")
        self.assertEqual(response.status_code, 302)
        version = self.exercise.current_version
        self.assertEqual(version.number, 2)
        self.assertEqual(version.solution_code, OUTER_SOLUTION + "# tidier\n")
        self.assertEqual(version.validations.get().status, ExerciseValidation.PENDING)
        self.assertEqual(len(self.callbacks), 1)

    def test_a_new_version_keeps_the_provided_helper_module_of_the_folder(self):
        version = self.exercise.current_version
        version.spec = version.spec.with_files({"provided.py": "SCALE = 2\n"}, {})
        version.save()
        self.save(solution_code=OUTER_SOLUTION + "# edited\n")
        self.assertEqual(self.exercise.current_version.number, 2)
        self.assertEqual(self.exercise.current_version.spec.provided, {"provided.py": "SCALE = 2\n"})

    def test_saving_unchanged_checks_keeps_the_version(self):
        self.save(prompt="Compute the outer product.")
        self.assertEqual((self.exercise.prompt, self.exercise.current_version.number), ("Compute the outer product.", 1))
        self.assertEqual(self.callbacks, [])

    def test_attempt_rules_edited_on_the_form_are_written_into_the_yaml(self):
        self.save(title='Outer "product"', max_attempts=5, min_interval_s=30)
        self.assertEqual((self.exercise.title, self.exercise.max_attempts, self.exercise.min_interval_s),
                         ('Outer "product"', 5, 30))
        spec_source = self.exercise.current_version.spec_source
        self.assertIn('title: "Outer \\"product\\""\n', spec_source)
        self.assertIn("attempts: {max: 5, min_interval_s: 30}\n", spec_source)
        self.assertEqual(self.exercise.spec.attempts, Attempts(max=5, min_interval_s=30))

    def test_attempt_rules_edited_in_the_yaml_set_the_fields(self):
        self.save(spec_source=self.exercise.current_version.spec_source + "attempts:\n  max: 7\n")
        self.assertEqual(self.exercise.max_attempts, 7)

    def test_publishing_needs_a_passing_validation(self):
        response = self.save(published="on")
        self.assertContains(response, "Cannot publish: version 1 has not been validated")
        self.assertFalse(self.exercise.published)
        self.pass_validation()
        self.assertEqual(self.save(published="on").status_code, 302)
        self.assertTrue(self.exercise.published)

    def test_publishing_with_new_checks_waits_for_their_validation(self):
        self.pass_validation()
        response = self.save(published="on", solution_code=OUTER_SOLUTION + "# v2\n")
        self.assertContains(response, "This save makes a new version, which has not been validated")
        self.assertEqual((self.exercise.published, self.exercise.current_version.number), (False, 1))

    def test_the_publish_action_publishes_only_validated_exercises(self):
        changelist = reverse("admin:grader_exercise_changelist")
        action = {"action": "publish", "_selected_action": [self.exercise.pk]}
        response = self.client.post(changelist, action, follow=True)
        self.assertContains(response, "was not published: version 1 has not been validated")
        self.exercise.refresh_from_db()
        self.assertFalse(self.exercise.published)
        self.pass_validation()
        self.client.post(changelist, action)
        self.exercise.refresh_from_db()
        self.assertTrue(self.exercise.published)

    def test_the_validate_action_queues_a_validation(self):
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            self.client.post(reverse("admin:grader_exercise_changelist"),
                             {"action": "validate", "_selected_action": [self.exercise.pk]})
        validation = self.exercise.current_version.validations.get()
        self.assertEqual((validation.status, validation.requested_by), (ExerciseValidation.PENDING, self.ian))
        with mock.patch("grader.jobs.validate_exercise_task.apply_async") as send:
            callbacks[0]()
        send.assert_called_once_with((validation.pk,), queue="cpu-background",
                                     priority=settings.GRADER_BACKGROUND_PRIORITY)

    def test_the_validate_button_queues_a_validation_for_the_course_staff_only(self):
        validate = reverse("admin:grader_exercise_validate", args=[self.exercise.pk])
        self.assertContains(self.client.get(self.url), validate)
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            self.assertRedirects(self.client.post(validate), self.url)
        self.assertEqual((self.exercise.current_version.validations.count(), len(callbacks)), (1, 1))
        self.oscar.is_staff = True
        self.oscar.save()
        self.login(self.oscar)
        self.assertEqual(self.client.post(validate).status_code, 404)
        self.assertRedirects(self.client.get(self.url), reverse("admin:index"))

    def test_the_change_page_shows_the_latest_validation_figures(self):
        ExerciseValidation.objects.create(
            version=self.exercise.current_version, status=ExerciseValidation.FAILED, max_score=6,
            reference_score=4, starter_score=2, reference_seconds=1.234, reference_peak_memory_bytes=3 * 2**20,
            problems="the reference solution does not score full marks",
        )
        response = self.client.get(self.url)
        for text in ("failed", "4 / 6 in 1.23 s", "3.0\xa0MB", "2 / 6", "does not score full marks"):
            self.assertContains(response, text)
