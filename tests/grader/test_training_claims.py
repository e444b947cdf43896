"""What a training check accepts as evidence, judged on answers written here (no sandbox).

The harness's records of a training run (the losses, the parameters before their optimizer's first
step and after training, the steps, the predictions of the model with noise on its parameters) come
from the student's process: each rule below must fail a claim that breaks it, a missing or malformed
record included, and an answer that keeps them all must pass.
"""

import torch
from django.test import SimpleTestCase

from judging.probes import build_plan
from judging.verdicts import ReferenceFailed, RunAnswers, judge_check
from tests.grader.factories import read, read_problems

SPEC = """
title: Fit a line
entry: {training: train}
checks:
  - kind: training
    name: Fits the line
    points: 1
    data: {kind: linear, weight: [2, 4], bias: [-1, 1], noise: 0.1, n: 64}
    args: {epochs: 50, lr: 0.1}
    losses_per: epoch
    holdout: {n: 100}
    max_final_loss: 0.05
"""


def plan_of(spec_yaml=SPEC, seed=7):
    return build_plan(read(spec_yaml), seed)


def trained_answer(plan, losses=None):
    """What an honest run answers: the least-squares line (as training would find it), moved from a
    start elsewhere by 50 steps, and a curve of one loss per epoch falling to its true loss."""
    probe, check_plan = plan.probes[0], plan.checks[0]
    x, y = probe["x"], check_plan.private["train_y"]
    solution = torch.linalg.lstsq(torch.cat([x, torch.ones_like(x)], dim=1), y).solution
    weight, bias = solution[:1].T.contiguous(), solution[1].clone()

    def predict(w, b, inputs):
        return inputs @ w.T + b

    predictions = predict(weight, bias, x)
    loss = float(((predictions.double() - y.double()) ** 2).mean())
    generator = torch.Generator().manual_seed(0)
    shaken = [predict(weight * (1 + 0.5 * torch.randn(weight.shape, generator=generator)),
                      bias * (1 + 0.5 * torch.randn(bias.shape, generator=generator)), x) for _ in range(4)]
    return {
        "ok": True,
        "losses": losses if losses is not None else [10.0 - (10.0 - loss) * i / 49 for i in range(50)],
        "train_predictions": predictions,
        "holdout_predictions": predict(weight, bias, probe["holdout_x"]),
        "parameters": {"weight": weight, "bias": bias},
        "initial_parameters": {"weight": torch.full_like(weight, 0.3), "bias": torch.full_like(bias, -0.2)},
        "optimizer_steps": {"weight": 50, "bias": 50},
        "perturbed_predictions": torch.stack(shaken),
    }


def judged(plan, student, reference=None):
    def answers(answer):
        return RunAnswers({"probes": {plan.probes[0]["id"]: answer}, "import_error": None})
    return judge_check(plan.checks[0], answers(student), answers(reference or trained_answer(plan)), "")


def true_loss(answer, plan):
    predictions, y = answer["train_predictions"].double(), plan.checks[0].private["train_y"].double()
    return float(((predictions - y) ** 2).mean())


class HonestAnswerTests(SimpleTestCase):
    def test_an_answer_that_keeps_every_rule_passes(self):
        plan = plan_of()
        outcome = judged(plan, trained_answer(plan))
        self.assertTrue(outcome.passed, outcome.message)
        self.assertEqual(len(outcome.loss_history["student"]), 50)


class CurveLengthTests(SimpleTestCase):
    def test_a_made_up_pair_of_losses_that_ends_at_the_true_loss_fails(self):
        plan = plan_of()
        answer = trained_answer(plan)
        answer["losses"] = [2.0, true_loss(answer, plan)]
        outcome = judged(plan, answer)
        self.assertFalse(outcome.passed)
        self.assertIn("the training function must return one loss per epoch: 50 values for epochs=50, got 2",
                      outcome.message)

    def test_one_loss_per_step_counts_the_mini_batches_of_each_epoch(self):
        spec = SPEC.replace("{epochs: 50, lr: 0.1}", "{epochs: 5, lr: 0.1, batch_size: 10}").replace(
            "losses_per: epoch", "losses_per: step")
        plan = plan_of(spec)
        self.assertEqual(plan.checks[0].check.curve_length, 35)  # 5 epochs of ceil(64 / 10) steps
        answer = trained_answer(plan)
        loss = true_loss(answer, plan)
        answer["losses"] = [1.0 + i for i in range(34, 0, -1)] + [loss]
        reference = trained_answer(plan, losses=answer["losses"])
        self.assertTrue(judged(plan, answer, reference).passed)
        answer["losses"] = answer["losses"][-5:]  # one per epoch
        outcome = judged(plan, answer, reference)
        self.assertIn("one loss per step: 35 values for epochs=5 and batch_size=10 on 64 training examples, got 5",
                      outcome.message)

    def test_a_reference_of_another_length_is_a_broken_exercise(self):
        plan = plan_of()
        with self.assertRaisesMessage(ReferenceFailed, "the reference solution's losses on 0.train"):
            judged(plan, trained_answer(plan), trained_answer(plan, losses=[1.0, 0.5]))

    def test_the_reader_needs_epoch_or_step_and_the_arguments_that_count_the_losses(self):
        self.assertIn("exercise.yaml:5: 'losses_per' must be one of epoch, step, got 'batch'",
                      read_problems(SPEC.replace("losses_per: epoch", "losses_per: batch")))
        self.assertIn("exercise.yaml:5: 'losses_per' counts the losses from the args: they need 'epochs'",
                      read_problems(SPEC.replace("{epochs: 50, lr: 0.1}", "{lr: 0.1}")))
        self.assertIn("exercise.yaml:5: 'losses_per' counts the losses from the args: 'batch_size' must be a "
                      "positive integer, got 0.5",
                      read_problems(SPEC.replace("lr: 0.1}", "lr: 0.1, batch_size: 0.5}")))
        self.assertIsNone(read(SPEC.replace("    losses_per: epoch\n", "")).checks[0].curve_length)


class MustDecreaseTests(SimpleTestCase):
    """A curve that ends at the trusted loss but does not fall is refused by loss_must_decrease."""

    def test_a_flat_or_rising_curve_that_ends_at_the_true_loss_fails(self):
        plan = plan_of()
        answer = trained_answer(plan)
        loss = true_loss(answer, plan)
        for name, curve in (("flat", [loss] * 50), ("rising", [loss * (0.5 + i / 98) for i in range(50)])):
            with self.subTest(name):
                answer["losses"] = curve
                outcome = judged(plan, answer)
                self.assertFalse(outcome.passed, outcome.message)
                self.assertIn("(it must decrease)", outcome.message)

    def test_without_the_rule_the_same_curves_pass(self):
        plan = plan_of(SPEC.replace("max_final_loss: 0.05", "max_final_loss: 0.05\n    loss_must_decrease: false"))
        answer = trained_answer(plan)
        answer["losses"] = [true_loss(answer, plan)] * 50
        self.assertTrue(judged(plan, answer).passed)


class TrainedModelEvidenceTests(SimpleTestCase):
    def failure(self, **changes):
        plan = plan_of()
        answer = {**trained_answer(plan), **changes}
        outcome = judged(plan, {key: value for key, value in answer.items() if value is not None})
        self.assertFalse(outcome.passed)
        return outcome.message

    def test_a_model_without_parameters_fails(self):
        self.assertIn("the returned model has no parameters", self.failure(parameters={}))

    def test_parameters_no_optimizer_stepped_fail(self):
        message = self.failure(initial_parameters={}, optimizer_steps={})
        self.assertIn("the returned model's parameter bias (and 1 more) was never updated by an optimizer's step()",
                      message)
        self.assertIn("parameter weight was never updated", self.failure(optimizer_steps={"bias": 50}))
        self.assertIn("parameter weight was never updated", self.failure(optimizer_steps={"bias": 50, "weight": 0}))

    def test_parameters_the_steps_did_not_move_fail(self):
        plan = plan_of()
        answer = trained_answer(plan)
        final = answer["parameters"]
        message = self.failure(initial_parameters={name: t * 1.001 for name, t in final.items()})
        self.assertIn("training barely moved the model's parameters from where the optimizer found them", message)

    def test_predictions_that_ignore_the_parameters_fail(self):
        plan = plan_of()
        answer = trained_answer(plan)
        same = answer["train_predictions"].expand(4, -1, -1)
        self.assertIn("the returned model's predictions hardly depend on its parameters",
                      self.failure(perturbed_predictions=same))
        barely = same + 1e-4 * torch.randn(same.shape, generator=torch.Generator().manual_seed(1))
        self.assertIn("hardly depend on its parameters", self.failure(perturbed_predictions=barely))

    def test_missing_or_malformed_records_fail(self):
        cases = {
            "parameters missing": {"parameters": None},
            "parameters not tensors": {"parameters": {"weight": [[3.0]], "bias": [0.5]}},
            "a tensor subclass": {"parameters": {"weight": torch.nn.Parameter(torch.ones(1, 1))}},
            "initial shapes differ": {"initial_parameters": {"weight": torch.zeros(2, 1), "bias": torch.zeros(1)}},
            "steps not counts": {"optimizer_steps": {"weight": "50", "bias": 50.0}},
            "steps missing": {"optimizer_steps": None},
            "perturbed predictions missing": {"perturbed_predictions": None},
            "perturbed predictions of another shape": {"perturbed_predictions": torch.zeros(4, 3)},
            "perturbed predictions NaN": {"perturbed_predictions": torch.full((4, 64, 1), float("nan"))},
        }
        for name, changes in cases.items():
            with self.subTest(name):
                self.failure(**changes)
