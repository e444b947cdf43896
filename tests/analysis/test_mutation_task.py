"""The analysis task grades a chunk of mutants, stores their verdicts with the version, and sends itself
again until every mutant has one."""

from unittest import mock

import pytest

from analysis import tasks
from analysis.models import MutationAnalysis
from judging.mutants import mutants
from judging.mutation import analyse
from judging.selftest import selftest_seeds
from tests.base import BaseTestCase
from tests.grader.factories import OUTER_SOLUTION, make_exercise


@pytest.mark.usefixtures("grading_backend")
class MutationTaskTestCase(BaseTestCase):
    def test_it_analyses_a_chunk_at_a_time_until_every_mutant_has_a_verdict(self):
        exercise = make_exercise(self.chapter)
        analysis = MutationAnalysis.objects.create(version=exercise.current_version, seeds=selftest_seeds(2))
        count = len(mutants(OUTER_SOLUTION))
        sends = 0
        with mock.patch.object(tasks, "MUTANTS_PER_TASK", 2), \
                mock.patch("analysis.jobs.analyse_mutants_task.apply_async") as send:
            tasks.analyse_mutants_task(analysis.pk)
            analysis.refresh_from_db()
            self.assertEqual((analysis.status, len(analysis.verdicts), analysis.mutant_count),
                             (MutationAnalysis.RUNNING, 2, count))
            while analysis.status == MutationAnalysis.RUNNING:
                sends += 1
                self.assertEqual(send.call_count, sends)
                tasks.analyse_mutants_task(analysis.pk)
                analysis.refresh_from_db()
        self.assertEqual((analysis.status, len(analysis.verdicts)), (MutationAnalysis.DONE, count))
        direct = analyse(exercise.current_version.spec, OUTER_SOLUTION, tasks.get_backend(), seeds=selftest_seeds(2))
        self.assertEqual(analysis.report.score, direct.score)
        self.assertEqual([v.mutant.key for v in analysis.report.verdicts], [v.mutant.key for v in direct.verdicts])

    def test_a_broken_reference_fails_the_analysis_with_its_reason(self):
        exercise = make_exercise(self.chapter, solution="def outer(a, b):\n    return a.reshape(-1, 1) @ b / 0.0\n")
        analysis = MutationAnalysis.objects.create(version=exercise.current_version, seeds=selftest_seeds(1))
        tasks.analyse_mutants_task(analysis.pk)
        analysis.refresh_from_db()
        self.assertEqual(analysis.status, MutationAnalysis.FAILED)
        self.assertIn("the reference solution", analysis.error)
