"""`match_requires_grad: true`: each output tensor must track gradients exactly when the reference's does
(predictions made under torch.no_grad(), or weights returned detached, as the prompt asks)."""

import pytest

from grader.runner import get_backend
from judging.evaluation import evaluate
from tests.grader.factories import read, read_problems

pytestmark = pytest.mark.usefixtures("grading_backend")

SPEC = """
title: Predict
entry: {function: predict}
checks:
  - kind: value
    name: Predictions without gradients
    match_requires_grad: true
    random: {count: 2, args: [{randn: [3, 4]}]}
"""
SOLUTION = """
import torch

def predict(x):
    layer = torch.nn.Linear(4, 2)
    torch.nn.init.ones_(layer.weight)
    torch.nn.init.zeros_(layer.bias)
    with torch.no_grad():
        return layer(x), x.sum()
"""


def grade(code, spec=SPEC):
    return evaluate(read(spec), SOLUTION, code, seed=3, backend=get_backend())


def test_an_output_that_tracks_gradients_where_the_reference_does_not_fails():
    tracked = SOLUTION.replace("    with torch.no_grad():\n        return", "    return")
    (_, outcome), = grade(tracked).outcomes
    assert not outcome.passed
    assert ("output[0] still tracks gradients (requires_grad=True), where the reference's does not: compute it "
            "under torch.no_grad(), or return it .detach()ed") in outcome.message


def test_the_same_values_without_gradients_pass_however_they_were_detached():
    detached = SOLUTION.replace("    with torch.no_grad():\n        return layer(x), x.sum()",
                                "    return layer(x).detach(), x.sum()")
    assert grade(detached).score == 1
    assert grade(SOLUTION).score == 1


def test_without_the_option_gradient_tracking_is_not_judged():
    tracked = SOLUTION.replace("    with torch.no_grad():\n        return", "    return")
    assert grade(tracked, SPEC.replace("    match_requires_grad: true\n", "")).score == 1


def test_it_is_an_option_of_value_checks_only():
    gradient = SPEC.replace("kind: value", "kind: gradient")
    assert read_problems(gradient) == ["exercise.yaml:5: match_requires_grad is for value checks (a gradient "
                                       "check differentiates the output)"]
