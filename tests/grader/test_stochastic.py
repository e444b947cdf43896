"""The distribution check grades stochastic code by the statistics of many draws, computed on the
trusted side from the returned draws: equivalent samplers pass, a wrong sigma fails."""

import pytest
import torch
from django.test import SimpleTestCase

from grader.runner import get_backend
from judging.compare import Mismatch, compare_distributions
from judging.evaluation import evaluate
from judging.spec import DistributionCheck
from tests.grader.factories import read

pytestmark = pytest.mark.usefixtures("grading_backend")

SAMPLE_SPEC = """
title: Reparameterised sampling
entry: {function: sample}
checks:
  - kind: distribution
    name: Samples like N(mu, sigma)
    points: 2
    draws: 2000
    quantiles: [0.1, 0.5, 0.9]
    random: {count: 2, dims: {n: [2, 5]}, args: [{randn: [n]}, {rand: [n]}]}
"""
NORMAL = "import torch\n\ndef sample(mu, sigma):\n    return torch.normal(mu, sigma)\n"
REPARAMETERISED = "import torch\n\ndef sample(mu, sigma):\n    return mu + sigma * torch.randn_like(mu)\n"
VARIANCE_AS_SIGMA = "import torch\n\ndef sample(mu, sigma):\n    return mu + sigma ** 2 * torch.randn_like(mu)\n"
DOUBLE_SIGMA = "import torch\n\ndef sample(mu, sigma):\n    return mu + 2 * sigma * torch.randn_like(mu)\n"
SHIFTED_MEAN = "import torch\n\ndef sample(mu, sigma):\n    return mu + 0.3 + sigma * torch.randn_like(mu)\n"
# The right mean and standard deviation, but only two values: mu - sigma and mu + sigma.
TWO_POINTS = "import torch\n\ndef sample(mu, sigma):\n    return mu + sigma * torch.randn_like(mu).sign()\n"
ONE_DRAW_REPEATED = ("import torch\n_kept = {}\n\ndef sample(mu, sigma):\n"
                     "    return _kept.setdefault(id(mu), mu + sigma * torch.randn_like(mu))\n")

DROPOUT_SPEC = """
title: Dropout
entry: {module: Dropout}
checks:
  - kind: distribution
    name: Drops like nn.Dropout(0.5)
    points: 1
    draws: 1000
    cases: [{args: [{ones: [3, 4]}]}]
    predicates: [nonnegative]
"""
DROPOUT = "import torch\n\nclass Dropout(torch.nn.Module):\n    def forward(self, x):\n" \
          "        return torch.nn.functional.dropout(x, 0.5, self.training)\n"
DROPOUT_BY_HAND = "import torch\n\nclass Dropout(torch.nn.Module):\n    def forward(self, x):\n" \
                  "        return x * (torch.rand_like(x) > 0.5) * 2\n"
DROPOUT_UNSCALED = "import torch\n\nclass Dropout(torch.nn.Module):\n    def forward(self, x):\n" \
                   "        return x * (torch.rand_like(x) > 0.5)\n"


def grade(spec_yaml, solution, code, seed=1):
    spec = read(spec_yaml)
    evaluation = evaluate(spec, solution, code, seed, get_backend())
    return evaluation.outcomes[0][1]


class DistributionCheckTests(SimpleTestCase):
    def test_normal_and_randn_like_both_pass_either_way_round_on_several_seeds(self):
        for seed in (1, 2, 3):
            for solution, code in ((NORMAL, REPARAMETERISED), (REPARAMETERISED, NORMAL)):
                outcome = grade(SAMPLE_SPEC, solution, code, seed)
                self.assertTrue(outcome.passed, outcome.message)

    def test_a_wrong_sigma_fails_on_the_standard_deviation(self):
        for code in (VARIANCE_AS_SIGMA, DOUBLE_SIGMA):
            outcome = grade(SAMPLE_SPEC, NORMAL, code)
            self.assertFalse(outcome.passed)
            self.assertIn("the standard deviation of the draws at index", outcome.message)
            self.assertIn("standard errors over 2000 draws", outcome.message)

    def test_a_shifted_mean_fails_on_the_mean(self):
        outcome = grade(SAMPLE_SPEC, NORMAL, SHIFTED_MEAN)
        self.assertFalse(outcome.passed)
        self.assertIn("the mean of the draws", outcome.message)

    def test_the_right_mean_and_std_from_another_distribution_fails_on_a_quantile(self):
        outcome = grade(SAMPLE_SPEC, NORMAL, TWO_POINTS)
        self.assertFalse(outcome.passed)
        self.assertIn("quantile of the draws", outcome.message)

    def test_the_same_draw_every_time_fails(self):
        outcome = grade(SAMPLE_SPEC, NORMAL, ONE_DRAW_REPEATED)
        self.assertFalse(outcome.passed)
        self.assertRegex(outcome.message, "the (mean|standard deviation) of the draws")

    def test_a_module_is_sampled_in_training_mode(self):
        self.assertTrue(grade(DROPOUT_SPEC, DROPOUT, DROPOUT_BY_HAND).passed)
        outcome = grade(DROPOUT_SPEC, DROPOUT, DROPOUT_UNSCALED)
        self.assertFalse(outcome.passed)
        self.assertIn("the mean of the draws at index (0, 0) is 0.5", outcome.message)

    def test_a_sampler_returning_no_tensor_fails_with_a_message(self):
        outcome = grade(SAMPLE_SPEC, NORMAL, "def sample(mu, sigma):\n    return [1.0]\n")
        self.assertFalse(outcome.passed)
        self.assertIn("expected a tensor from each call, got list", outcome.message)


class DeclaredTargetTests(SimpleTestCase):
    CHECK = DistributionCheck(name="D", expect={"mean": 0.0, "std": 1.0})

    def test_draws_match_declared_targets_whatever_the_reference_did(self):
        generator = torch.Generator().manual_seed(0)
        reference = torch.zeros(4000, 3)
        compare_distributions(reference, torch.randn(4000, 3, generator=generator), self.CHECK)

    def test_draws_far_from_a_declared_target_fail(self):
        generator = torch.Generator().manual_seed(0)
        with self.assertRaisesRegex(Mismatch, r"standard deviation of the draws at index \(0,\) is 1\.49.*"
                                              r"expected 1 \(declared"):
            compare_distributions(torch.zeros(4000, 3), 1.5 * torch.randn(4000, 3, generator=generator),
                                  self.CHECK)
