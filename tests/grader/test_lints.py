"""Authoring lints: warnings that validation reports about checks whose points come without solving
the exercise, and about tolerances tighter than the dtype allows."""

from django.test import SimpleTestCase

from judging.lints import lint_spec, verified_training_arguments
from tests.grader.factories import read

HEAD = "title: t\nentry: {function: f}\nchecks:\n"
# A check that varies the entry's argument, beside checks whose own inputs are fixed.
DRAWN = "  - {kind: value, name: drawn, points: 0, random: {args: [{randn: [1]}]}}\n"


def lints(checks_yaml, head=HEAD):
    return lint_spec(read(head + checks_yaml))


class FixedCaseLintTests(SimpleTestCase):
    def test_a_scoring_check_with_only_visible_cases_is_reported(self):
        (warning,) = lints("  - {kind: value, name: Examples, points: 4, cases: [{args: [{tensor: [1.0]}]}]}\n" + DRAWN)
        self.assertIn('check 1 "Examples" earns 4 points on visible cases only: hard-coding', warning)

    def test_random_inputs_varied_hidden_cases_or_no_points_are_fine(self):
        self.assertEqual(lints(
            "  - {kind: value, name: a, points: 4, cases: [{args: [1.0]}], random: {args: [{randn: [2]}]}}\n"
            "  - {kind: value, name: b, points: 4, hidden: true, cases: [{args: [{tensor: [1.0]}]}]}\n"
            "  - {kind: value, name: c, points: 0, cases: [{args: [{tensor: [1.0]}]}]}\n"), [])

    def test_a_hidden_check_whose_cases_are_all_fixed_is_reported(self):
        (warning,) = lints("  - {kind: value, name: h, points: 1, hidden: true, "
                           "cases: [{args: [{tensor: [1.0]}], fixed: true}]}\n" + DRAWN)
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
                           "max_holdout_mse: 1.0, recorded_loss: model}\n", TRAINING)
        self.assertIn('check 1 "fit": the constant predictor (the mean of the targets) reaches max_holdout_mse 1',
                      warning)

    def test_an_accuracy_the_majority_class_reaches_is_reported(self):
        (warning,) = lints("  - {kind: training, name: classify, data: {kind: blobs, n: 64}, "
                           "min_holdout_accuracy: 0.3, recorded_loss: model}\n", TRAINING)
        self.assertIn("the majority-class predictor reaches min_holdout_accuracy 0.3", warning)

    def test_a_threshold_only_a_learnt_model_reaches_is_fine(self):
        self.assertEqual(lints("  - {kind: training, name: fit, data: {kind: linear, weight: [2, 4], features: 3, "
                               "n: 64, noise: 0.1}, max_holdout_mse: 0.05, recorded_loss: model}\n"
                               "  - {kind: training, name: classify, data: {kind: blobs, n: 64, separation: 2}, "
                               "min_holdout_accuracy: 0.9, recorded_loss: model}\n", TRAINING), [])


class RecordedLossBandLintTests(SimpleTestCase):
    CHECK = ("  - {kind: training, name: fit, data: {kind: linear, weight: [2, 4], features: 3, n: 64, noise: 0.1}, "
             "max_holdout_mse: 0.05, args: {epochs: 5, lr: 0.1}, EXTRA}\n")

    def lints_of(self, extra):
        # Its arguments verified, so that only the band is linted.
        return lints(self.CHECK.replace("EXTRA", "verify_args: [lr, epochs]" + extra), TRAINING)

    def test_it_warns_of_a_band_looser_than_the_prompts_figure(self):
        (warning,) = self.lints_of("")  # the default band, 0.75 to 1.33
        self.assertIn('check 1 "fit" accepts a last recorded loss from 0.75 to 1.33 times the grader\'s own training '
                      "loss (recorded_loss: batches), looser than 0.9 to 1.1", warning)
        self.assertIn("(recorded_loss: model), or narrow loss_band", warning)
        self.assertEqual(len(self.lints_of(", loss_band: [0.95, 1.2]")), 1)

    def test_it_accepts_a_narrow_band_the_models_own_loss_or_an_unjudged_curve(self):
        for extra in (", loss_band: [0.9, 1.1]", ", recorded_loss: model", ", loss_must_decrease: false"):
            with self.subTest(extra):
                self.assertEqual(self.lints_of(extra), [])

    def test_it_names_the_arguments_a_training_check_verifies(self):
        spec = read(TRAINING + self.CHECK.replace("EXTRA", "verify_args: [lr, epochs]"))
        self.assertEqual(verified_training_arguments(spec.checks[0]), {"lr", "epochs"})
        self.assertEqual(verified_training_arguments(read(HEAD + "  - {kind: value, name: v, random: {args: "
                                                                 "[{randn: [3]}]}}\n").checks[0]), frozenset())


def prompt_lints(checks_yaml, prompt):
    return lint_spec(read(HEAD + checks_yaml), prompt=prompt)


class DtypeLintTests(SimpleTestCase):
    CHECKS = ("  - {kind: value, name: Examples, points: 0, cases: [{args: [{tensor: [1.0, 2.0]}]}]}\n"
              "  - {kind: value, name: Random, random: {args: [{randn: [3]}]}}\n")

    def test_it_warns_when_the_prompt_speaks_of_dtypes_and_every_float_input_has_one(self):
        (warning,) = prompt_lints(self.CHECKS, "Return a tensor with the same dtype as `x`.")
        self.assertEqual(warning, "the prompt speaks of dtypes ('dtype'), but every float tensor input of check 1 "
                                  "\"Examples\", check 2 \"Random\" is float32: a solution that ignores its input's "
                                  "dtype, or casts to that one, loses nothing; sweep an input's dtypes (dtypes: "
                                  "[float32, float64])")
        self.assertEqual(len(prompt_lints(self.CHECKS, "Keep full PRECISION.")), 1)

    def test_a_sweep_inputs_of_several_dtypes_or_a_prompt_silent_on_dtypes_is_fine(self):
        prompt = "Return a float64 tensor when x is float64."
        for checks in (self.CHECKS.replace("[3]}", "[3], dtypes: [float32, float64]}"),
                       self.CHECKS.replace("[3]}", "[3], dtype: float64}")):
            with self.subTest(checks):
                self.assertEqual(prompt_lints(checks, prompt), [])
        self.assertEqual(prompt_lints(self.CHECKS, "Return the row sums."), [])


class ConstantArgumentLintTests(SimpleTestCase):
    def test_it_names_a_function_argument_that_every_probe_passes_the_same(self):
        warnings = lints("  - {kind: value, name: a, cases: [{args: [{tensor: [1.0]}, 0.9, {tensor: [2.0]}]}], "
                         "random: {count: 2, args: [{randn: [3]}, 0.9, {tensor: [2.0]}]}}\n"
                         "  - {kind: value, name: b, hidden: true, random: {args: [{randn: [1]}, 0.9, "
                         "{tensor: [2.0]}]}}\n")
        self.assertEqual(warnings, [
            "argument 2 of f is 0.9 in every probe of every check: code that ignores it and uses that value loses "
            "nothing; give it another value in some probe",
            "argument 3 of f is the same (1,) float32 tensor in every probe of every check: code that ignores it and "
            "uses that value loses nothing; give it another value in some probe"])

    def test_an_argument_that_differs_between_checks_or_is_drawn_or_varied_is_fine(self):
        self.assertEqual(lints(
            "  - {kind: value, name: a, cases: [{args: [{tensor: [1.0]}, 0.9, {tensor: [2.0]}]}], "
            "random: {args: [{randn: [3]}, 0.99, {float: [0, 1]}]}}\n"
            "  - {kind: value, name: b, hidden: true, cases: [{args: [{tensor: [1.0]}, 0.9, {tensor: [2.0]}]}]}\n"
            ), [])

    def test_it_names_a_training_argument_that_no_check_varies_or_verifies(self):
        check = ("  - {kind: training, name: NAME, data: {kind: linear, weight: [2, 4], features: 3, n: 64, "
                 "noise: 0.1}, max_holdout_mse: 0.05, recorded_loss: model, ARGS}\n")
        warnings = lints(check.replace("NAME", "fit").replace("ARGS", "args: {epochs: 5, lr: 0.1}"), TRAINING)
        self.assertEqual(warnings, [
            f"the argument {name} of train is the same in every training check and none verifies it: code that "
            f"ignores it and uses that value loses nothing; give it another value in another check, or verify it "
            f"(verify_args)" for name in ("epochs=5", "lr=0.1")])
        self.assertEqual(lints(check.replace("NAME", "fit").replace("ARGS", "args: {epochs: 5, lr: 0.1}")
                               + check.replace("NAME", "again").replace("ARGS", "args: {epochs: 5, lr: 0.05}, "
                                                                                "verify_args: [epochs]"), TRAINING), [])
