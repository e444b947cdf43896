from unittest import mock

from runs.models import Enrollment
from similarity.report import compare_final_submissions
from tests.grader.factories import OUTER_SOLUTION, OUTER_STARTER

from .base import EINSUM, LOOPS, RENAMED, ZEROS, SimilarityTestCase


class CompareFinalSubmissionsTest(SimilarityTestCase):
    def compare(self):
        return compare_final_submissions(self.exercise, self.run)

    def pair_of(self, comparison, one, other):
        return next((match for match in comparison.matches
                     if {match.first.user, match.second.user} == {one, other}), None)

    def test_a_copy_with_renamed_variables_ranks_first(self):
        self.enroll(self.alice, self.bob, self.carol, self.dan)
        self.graded(self.alice, 6, code=LOOPS)
        self.graded(self.bob, 6, code=ZEROS)
        self.graded(self.carol, 6, code=RENAMED)
        self.graded(self.dan, 6, code=EINSUM)
        comparison = self.compare()
        self.assertEqual(comparison.compared, 4)
        top = comparison.matches[0]
        self.assertEqual({top.first.user, top.second.user}, {self.alice, self.carol})
        self.assertGreater(top.similarity, 0.7)
        self.assertGreater(top.token_overlap, 50)

    def test_independent_solutions_rank_low(self):
        self.enroll(self.alice, self.bob, self.dan)
        self.graded(self.alice, 6, code=LOOPS)
        self.graded(self.bob, 6, code=ZEROS)
        self.graded(self.dan, 6, code=EINSUM)
        comparison = self.compare()
        self.assertEqual(comparison.compared, 3)
        for match in comparison.matches:
            self.assertLess(match.similarity, 0.4, match)

    def test_the_starter_code_and_the_solution_alone_make_no_pair(self):
        self.enroll(self.alice, self.bob, self.carol, self.dan)
        self.graded(self.alice, 0, code=OUTER_STARTER)
        self.graded(self.bob, 0, code=OUTER_STARTER)
        self.graded(self.carol, 6, code=OUTER_SOLUTION)
        self.graded(self.dan, 6, code=OUTER_SOLUTION.replace("a", "u").replace("b", "w"))
        self.assertEqual(self.compare().matches, [])

    def test_only_students_on_the_runs_roster_count(self):
        self.enroll(self.alice)
        Enrollment.objects.create(run=self.spring, user=self.carol)
        self.graded(self.alice, 6, code=LOOPS)
        self.graded(self.carol, 6, code=RENAMED)
        comparison = self.compare()
        self.assertEqual((comparison.compared, comparison.matches), (1, []))
        self.assertEqual(len(compare_final_submissions(self.exercise, self.spring).matches), 0)

    def test_only_each_students_newest_graded_submission_counts(self):
        self.enroll(self.alice, self.bob, self.carol)
        self.graded(self.alice, 6, code=LOOPS)
        self.graded(self.bob, 3, code=RENAMED)
        bobs_final = self.graded(self.bob, 6, code=EINSUM)
        errored = self.graded(self.bob, 6, code=LOOPS)
        errored.status = "error"
        errored.save()
        self.graded(self.carol, 6, code=ZEROS)
        comparison = self.compare()
        self.assertEqual(comparison.compared, 3)
        self.assertIsNone(self.pair_of(comparison, self.alice, self.bob))
        self.assertNotIn(errored, {submission for match in comparison.matches
                                   for submission in (match.first, match.second)})
        self.assertEqual(bobs_final.code, EINSUM)

    def test_it_keeps_only_the_most_similar_pairs(self):
        self.enroll(self.alice, self.bob, self.carol)
        self.graded(self.alice, 6, code=LOOPS)
        self.graded(self.bob, 6, code=LOOPS)
        self.graded(self.carol, 6, code=RENAMED)
        with mock.patch("similarity.report.MAX_PAIRS", 1):
            [match] = self.compare().matches
        self.assertEqual(({match.first.user, match.second.user}, match.similarity), ({self.alice, self.bob}, 1.0))

    def test_it_returns_the_matching_regions_of_both(self):
        self.enroll(self.alice, self.carol)
        alices = self.graded(self.alice, 6, code=LOOPS)
        carols = self.graded(self.carol, 6, code=RENAMED)
        [match] = self.compare().matches
        self.assertEqual((match.first, match.second), (alices, carols))
        for code, regions in ((LOOPS, match.first_regions), (RENAMED, match.second_regions)):
            self.assertTrue(regions)
            marked = "".join(code[start:end] for start, end in regions)
            self.assertIn("torch.stack(", marked)
            self.assertNotIn("import torch", marked)  # the starter code's lines are not a match
        self.assertIn("line.append(x[k] * y[m])", "".join(RENAMED[start:end] for start, end in match.second_regions))
