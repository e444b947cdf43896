"""The exercise's admin page queues a mutation analysis of the current version and shows the latest one."""

from unittest import mock

from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

from analysis.models import MutationAnalysis
from judging.mutants import MutantVerdict, mutants
from tests.base import BaseTestCase
from tests.grader.factories import OUTER_SOLUTION, make_exercise


class AnalyseMutantsAdminTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.ian.is_staff = True
        self.ian.save()
        self.exercise = make_exercise(self.chapter, published=False)
        self.url = reverse("admin:grader_exercise_change", args=[self.exercise.pk])
        self.analyse = reverse("admin:grader_exercise_mutants", args=[self.exercise.pk])
        self.login(self.ian)

    def test_the_button_queues_an_analysis_on_the_background_queue(self):
        self.assertContains(self.client.get(self.url), self.analyse)
        self.assertContains(self.client.get(self.url), "No analysis yet")
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            self.assertRedirects(self.client.post(self.analyse), self.url)
        analysis = MutationAnalysis.objects.get()
        self.assertEqual((analysis.version, analysis.requested_by, analysis.status, analysis.seeds),
                         (self.exercise.current_version, self.ian, MutationAnalysis.PENDING, []))
        with mock.patch("analysis.jobs.analyse_mutants_task.apply_async") as send:
            callbacks[0]()
        send.assert_called_once_with((analysis.pk,), queue="cpu-background",
                                     priority=settings.GRADER_BACKGROUND_PRIORITY)

    def test_only_the_course_staff_may_analyse(self):
        self.assertEqual(self.client.get(self.analyse).status_code, 405)
        self.oscar.is_staff = True
        self.oscar.save()
        self.login(self.oscar)
        self.assertEqual(self.client.post(self.analyse).status_code, 404)
        self.assertFalse(MutationAnalysis.objects.exists())

    def test_the_page_shows_the_score_and_each_mutant_no_check_tells_apart(self):
        first, second = mutants(OUTER_SOLUTION)[:2]
        analysis = MutationAnalysis.objects.create(version=self.exercise.current_version)
        analysis.add([MutantVerdict(first, True, "2/6", ("Examples",), 1), MutantVerdict(second, False, "6/6")],
                     mutant_count=3, seeds=[1, 2, 3])
        response = self.client.get(self.url)
        self.assertContains(response, "Mutants graded</th><td>2 of 3, on 3 seeds")
        self.assertContains(response, "mutation score 50%: 1 of 2 mutants killed, on 3 seeds")
        self.assertContains(response, escape(f"solution.py:{second.key} [{second.operator}] \u2014 keeps 6/6: no check"))
        self.assertNotContains(response, escape(f"solution.py:{first.key} "))
        self.assertEqual(analysis.status, MutationAnalysis.RUNNING)
