"""Authoring lints: warnings that validation reports about checks whose points come without solving
the exercise, and about tolerances tighter than the dtype allows."""

from django.test import SimpleTestCase

from judging.lints import lint_spec
from tests.grader.factories import read

HEAD = "title: t\nentry: {function: f}\nchecks:\n"


def lints(checks_yaml, head=HEAD):
    return lint_spec(read(head + checks_yaml))


class FixedCaseLintTests(SimpleTestCase):
    def test_a_scoring_check_with_only_visible_cases_is_reported(self):
        (warning,) = lints("  - {kind: value, name: Examples, points: 4, cases: [{args: [{tensor: [1.0]}]}]}\n")
        self.assertIn('check 1 "Examples" earns 4 points on visible cases only: hard-coding', warning)

    def test_random_inputs_varied_hidden_cases_or_no_points_are_fine(self):
        self.assertEqual(lints(
            "  - {kind: value, name: a, points: 4, cases: [{args: [1.0]}], random: {args: [{randn: [2]}]}}\n"
            "  - {kind: value, name: b, points: 4, hidden: true, cases: [{args: [{tensor: [1.0]}]}]}\n"
            "  - {kind: value, name: c, points: 0, cases: [{args: [{tensor: [1.0]}]}]}\n"), [])

    def test_a_hidden_check_whose_cases_are_all_fixed_is_reported(self):
        (warning,) = lints("  - {kind: value, name: h, points: 1, hidden: true, "
                           "cases: [{args: [{tensor: [1.0]}], fixed: true}]}\n")
        self.assertIn("on fixed hidden cases only", warning)


class ToleranceLintTests(SimpleTestCase):
    def test_a_tolerance_tighter_than_float32_allows_is_reported(self):
        (warning,) = lints("  - {kind: value, name: v, random: {args: [{randn: [3]}]}, rtol: 1.0e-7, atol: 1.0e-7}\n")
        self.assertIn("sets rtol 1e-07 / atol 1e-07, tighter than torch.float32's default 1.3e-06 / 1e-05", warning)

    def test_float64_inputs_allow_float64_tolerances(self):
        self.assertEqual(lints("  - {kind: value, name: v, random: {args: [{randn: [3], dtype: float64}]}, "
                               "rtol: 1.0e-7, atol: 1.0e-7}\n"), [])


TRAINING = """title: t
entry: {training: train}
checks:
"""


class TrainingBaselineLintTests(SimpleTestCase):
    def test_a_holdout_mse_the_mean_of_the_targets_reaches_is_reported(self):
        (warning,) = lints("  - {kind: training, name: fit, data: {kind: linear, weight: 0.5, bias: 0.0, n: 64}, "
                           "max_holdout_mse: 1.0}\n", TRAINING)
        self.assertIn('check 1 "fit": the constant predictor (the mean of the targets) reaches max_holdout_mse 1',
                      warning)

    def test_an_accuracy_the_majority_class_reaches_is_reported(self):
        (warning,) = lints("  - {kind: training, name: classify, data: {kind: blobs, n: 64}, "
                           "min_holdout_accuracy: 0.3}\n", TRAINING)
        self.assertIn("the majority-class predictor reaches min_holdout_accuracy 0.3", warning)

    def test_a_threshold_only_a_learnt_model_reaches_is_fine(self):
        self.assertEqual(lints("  - {kind: training, name: fit, data: {kind: linear, weight: [2, 4], features: 3, "
                               "n: 64, noise: 0.1}, max_holdout_mse: 0.05}\n"
                               "  - {kind: training, name: classify, data: {kind: blobs, n: 64, separation: 2}, "
                               "min_holdout_accuracy: 0.9}\n", TRAINING), [])
