from unittest import mock

from similarity.models import SimilarityReport
from similarity.tasks import compare_submissions_task

from .base import LOOPS, RENAMED, ZEROS, SimilarityTestCase


class CompareSubmissionsTaskTest(SimilarityTestCase):
    def setUp(self):
        super().setUp()
        self.report = SimilarityReport.objects.create(exercise=self.exercise, run=self.run, requested_by=self.ian)

    def test_it_stores_the_report_and_its_pairs(self):
        self.enroll(self.alice, self.bob, self.carol)
        alices = self.graded(self.alice, 6, code=LOOPS)
        self.graded(self.bob, 6, code=ZEROS)
        carols = self.graded(self.carol, 6, code=RENAMED)
        compare_submissions_task(self.report.pk)
        self.report.refresh_from_db()
        self.assertEqual((self.report.status, self.report.submissions_compared), (SimilarityReport.DONE, 3))
        self.assertIsNotNone(self.report.finished_at)
        [pair] = self.report.pairs.all()
        self.assertEqual((pair.first, pair.second), (alices, carols))
        self.assertGreater(pair.similarity, 0.7)
        self.assertTrue(pair.first_regions and pair.second_regions)

    def test_a_failing_comparison_marks_the_report_failed(self):
        with mock.patch("similarity.tasks.compare_final_submissions", side_effect=ValueError("tokeniser broke")):
            compare_submissions_task(self.report.pk)
        self.report.refresh_from_db()
        self.assertEqual(self.report.status, SimilarityReport.FAILED)
        self.assertIn("tokeniser broke", self.report.error)
        self.assertFalse(self.report.pairs.exists())

    def test_a_report_done_already_is_left_alone(self):
        self.report.finish(0, [])
        with mock.patch("similarity.tasks.compare_final_submissions") as comparison:
            compare_submissions_task(self.report.pk)
        comparison.assert_not_called()
