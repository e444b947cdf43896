"""Device placement, graded on a worker without a GPU: `simulate_device` runs a check's probes as on a
machine with CUDA (or an Apple GPU), through the real sandbox. Code that leaves its batches or its
model on the CPU fails as it would on a GPU, and a preference (cuda, then mps, then cpu) is checked on
each device, where a plain run only ever sees the CPU."""

import json

import pytest
from django.conf import settings
from django.test import SimpleTestCase

from grader.runner import get_backend
from judging.evaluation import evaluate
from judging.probes import build_plan
from judging.spec import ExerciseSpec
from judging.verdicts import HIDDEN_FAILURE
from tests.grader.factories import read, read_problems

pytestmark = pytest.mark.usefixtures("grading_backend")

COURSE = settings.COURSE_CONTENT_DIR / "pytorch-essentials"
ANY_DEVICE = COURSE / "08-data-loading" / "exercises" / "train-on-any-device"
TO_DEVICE = COURSE / "02-setup" / "exercises" / "to-device"
MIXED = "Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!"

TRAINING_SPEC = """
title: Train on the GPU when there is one
device: any
entry: {training: train}
limits: {wall_s: 30, cpu_s: 30, memory_mb: 2048}
checks:
  - kind: training
    name: On a machine with CUDA
    points: 2
    data: {kind: linear, weight: [-3, 3], bias: [-1, 1], features: 3, noise: 0.05, n: 128}
    holdout: {n: 100}
    args: {epochs: 25, lr: 0.05, batch_size: 32}
    losses_per: epoch
    max_holdout_mse: 0.05
    simulate_device: cuda
"""

# The bundled exercise's own mistake: the batches never leave the CPU.
BATCHES_LEFT_ON_THE_CPU = (COURSE / "08-data-loading/exercises/train-on-any-device/mistakes/"
                           "batches_left_on_the_cpu.py").read_text()

TO_DEVICE_SPEC = """
title: Device-agnostic code with pick_device
entry: {function: to_device}
checks:
  - kind: value
    name: On this worker
    cases: [{args: [{tensor: [[1, 2], [3, 4]]}]}]
  - kind: value
    name: On a machine with CUDA
    cases: [{args: [{tensor: [[1, 2], [3, 4]]}]}]
    random: {count: 2, args: [{randn: [3, 2], dtype: float64}]}
    simulate_device: cuda
  - kind: value
    name: On a Mac
    hidden: true
    hint: Ask torch.backends.mps.is_available() when there is no CUDA.
    cases: [{args: [{tensor: [[1, 2], [3, 4]]}]}]
    simulate_device: mps
"""
PREFERENCE = """
import torch


def pick_device():
    {choice}


def to_device(x):
    return x.to(pick_device(), torch.float32)
"""
CUDA_THEN_MPS = ('return torch.device("cuda" if torch.cuda.is_available() else '
                 '"mps" if torch.backends.mps.is_available() else "cpu")')
IGNORES_MPS = 'return torch.device("cuda" if torch.cuda.is_available() else "cpu")'
IGNORES_CUDA = 'return torch.device("mps" if torch.backends.mps.is_available() else "cpu")'
ALWAYS_CUDA = 'return torch.device("cuda")'

MODULE_SPEC = """
title: A network that puts itself on the device
entry: {module: OnDevice}
checks:
  - kind: structure
    name: Lives on the GPU of a machine with CUDA
    init: [4]
    input_shape: [2, 4]
    simulate_device: cuda
"""
MODULE = """
import torch
from torch import nn


class OnDevice(nn.Module):
    def __init__(self, features):
        super().__init__()
        self.linear = nn.Linear(features, 2)
        {placement}

    def forward(self, x):
        return self.linear(x) + torch.ones(2, device=x.device)
"""

GRADIENT_SPEC = """
title: Squares on the device
entry: {function: squares}
checks:
  - kind: gradient
    name: Gradients through the device
    random: {count: 2, args: [{randn: [3, 2], requires_grad: true}]}
    simulate_device: cuda
"""
SQUARES = """
import torch


def squares(x):
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return {result}
"""


def grade(spec, solution, code, seed=1):
    evaluation = evaluate(spec, solution, code, seed, get_backend())
    return {check.name: outcome for check, outcome in evaluation.outcomes}


def failed(outcomes):
    return sorted(name for name, outcome in outcomes.items() if not outcome.passed)


class SimulatedTrainingTests(SimpleTestCase):
    spec = read(TRAINING_SPEC)
    solution = (ANY_DEVICE / "solution.py").read_text()

    def test_it_passes_device_agnostic_training_loops(self):
        for name in ("solution.py", "alternatives/data_moved_once.py", "alternatives/device_from_the_model.py"):
            with self.subTest(name):
                outcomes = grade(self.spec, self.solution, (ANY_DEVICE / name).read_text())
                self.assertEqual(failed(outcomes), [], {n: o.message for n, o in outcomes.items()})

    def test_it_fails_batches_left_on_the_cpu_with_torchs_own_message(self):
        outcome = grade(self.spec, self.solution, BATCHES_LEFT_ON_THE_CPU)["On a machine with CUDA"]
        self.assertFalse(outcome.passed)
        self.assertIn(MIXED, outcome.message)

    def test_it_fails_a_model_that_never_leaves_the_cpu(self):
        code = (ANY_DEVICE / "mistakes" / "cpu_only.py").read_text()
        outcome = grade(self.spec, self.solution, code)["On a machine with CUDA"]
        self.assertFalse(outcome.passed)
        self.assertIn("your model is on cpu; the reference's is on cuda:0", outcome.message)


class DevicePreferenceTests(SimpleTestCase):
    spec = read(TO_DEVICE_SPEC)
    solution = (TO_DEVICE / "solution.py").read_text()

    def test_it_passes_cuda_then_mps_then_cpu_on_every_machine(self):
        for code in (PREFERENCE.format(choice=CUDA_THEN_MPS), *(
                (TO_DEVICE / "alternatives" / name).read_text()
                for name in ("from_imports_then_float.py", "keyword_arguments.py"))):
            with self.subTest(code):
                outcomes = grade(self.spec, self.solution, code)
                self.assertEqual(failed(outcomes), [], {n: o.message for n, o in outcomes.items()})

    def test_it_fails_a_preference_that_ignores_mps_on_a_mac_only_and_says_where_the_output_is(self):
        outcomes = grade(self.spec, self.solution, PREFERENCE.format(choice=IGNORES_MPS))
        self.assertEqual(failed(outcomes), ["On a Mac"])
        # A fact of the code, not of the hidden inputs: the hidden check says it.
        self.assertEqual(outcomes["On a Mac"].message, f"{HIDDEN_FAILURE} Your output is on cpu; the reference's is "
                                                       f"on mps:0. Hint: Ask torch.backends.mps.is_available() when "
                                                       f"there is no CUDA.")

    def test_it_fails_a_preference_that_ignores_cuda_on_a_machine_with_cuda_only(self):
        outcomes = grade(self.spec, self.solution, PREFERENCE.format(choice=IGNORES_CUDA))
        self.assertEqual(failed(outcomes), ["On a machine with CUDA"])
        self.assertIn("your output is on cpu; the reference's is on cuda:0",
                      outcomes["On a machine with CUDA"].message)

    def test_it_fails_hard_coded_cuda_wherever_there_is_no_cuda(self):
        outcomes = grade(self.spec, self.solution, PREFERENCE.format(choice=ALWAYS_CUDA))
        self.assertEqual(failed(outcomes), ["On a Mac", "On this worker"])
        self.assertIn("cuda is not available: this check runs your code as on a machine whose accelerator is "
                      "mps:0", outcomes["On a Mac"].staff_message)


class SimulatedStructureTests(SimpleTestCase):
    spec = read(MODULE_SPEC)
    solution = MODULE.format(placement='self.to("cuda" if torch.cuda.is_available() else "cpu")')

    def test_it_passes_a_module_on_the_device_and_fails_one_left_on_the_cpu(self):
        self.assertEqual(failed(grade(self.spec, self.solution, self.solution)), [])
        outcome = grade(self.spec, self.solution, MODULE.format(placement="pass"))[
            "Lives on the GPU of a machine with CUDA"]
        self.assertFalse(outcome.passed)
        self.assertIn("your output is on cpu; the reference's is on cuda:0", outcome.message)


class SimulatedGradientTests(SimpleTestCase):
    def test_it_compares_gradients_that_flow_back_from_the_device(self):
        spec, solution = read(GRADIENT_SPEC), SQUARES.format(result="x.to(device) ** 2")
        self.assertEqual(failed(grade(spec, solution, SQUARES.format(result="x.to(device) * x.to(device)"))), [])
        # The same squares, with no gradient reaching x.
        no_gradient = SQUARES.format(result="(x.to(device) ** 2).detach() + 0 * x.to(device)")
        outcome = grade(spec, solution, no_gradient)["Gradients through the device"]
        self.assertFalse(outcome.passed)
        self.assertIn("input grads", outcome.message)


class SimulateDeviceFormatTests(SimpleTestCase):
    def test_it_sends_the_device_with_each_probe_of_the_check_only(self):
        plan = build_plan(read(TO_DEVICE_SPEC), seed=3)
        devices = {probe["id"].split(".")[0]: probe.get("simulate_device") for probe in plan.probes}
        self.assertEqual(devices, {"0": None, "1": "cuda", "2": "mps"})

    def test_it_round_trips_through_json(self):
        for text in (TO_DEVICE_SPEC, TRAINING_SPEC, MODULE_SPEC):
            spec = read(text)
            self.assertEqual(ExerciseSpec.from_json(json.loads(json.dumps(spec.to_json()))), spec)
        self.assertEqual([check.simulate_device for check in read(TO_DEVICE_SPEC).checks], [None, "cuda", "mps"])

    def test_it_names_the_line_of_a_device_it_cannot_simulate(self):
        problems = read_problems(TO_DEVICE_SPEC.replace("simulate_device: mps", "simulate_device: tpu"))
        self.assertEqual(problems, ["exercise.yaml:13: 'simulate_device' must be one of cuda, mps, got 'tpu'"])
