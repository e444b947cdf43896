import textwrap

import yaml
from django.test import SimpleTestCase

import torch

from courses.loader import Problems, _LineLoader
from judging.probes import make_value
from judging.spec import TensorInput
from tests.grader.factories import read
from judging.reader import read_spec


def problems_of(text):
    problems = Problems()
    read_spec("exercise.yaml", yaml.load(textwrap.dedent(text), Loader=_LineLoader), problems)
    return [str(p) for p in problems]


class ReadSpecTestCase(SimpleTestCase):
    def test_a_valid_spec_has_no_problems(self):
        self.assertEqual(problems_of("""
            title: T
            entry: {function: f}
            checks:
              - {kind: value, name: V, points: 2, cases: [{args: [{randn: [3]}]}]}
        """), [])

    def test_it_reports_an_unknown_check_kind_with_its_line(self):
        problems = problems_of("""
            title: T
            entry: {function: f}
            checks:
              - kind: value
                name: ok
                cases: [{args: [1]}]
              - kind: vibes
                name: bad
        """)
        self.assertIn("exercise.yaml:8: check kind must be one of value, gradient, distribution, raises, training, structure, api, got 'vibes'",
                      problems)

    def test_it_reports_limits_out_of_range(self):
        problems = problems_of("""
            title: T
            entry: {function: f}
            limits: {wall_s: 0, memory_mb: 100000}
            checks: [{kind: api, name: A, forbid: [x]}]
        """)
        self.assertTrue(any("'wall_s' must be a number from 1 to 120" in p for p in problems))
        self.assertTrue(any("'memory_mb' must be a number from 64 to 8192" in p for p in problems))

    def test_a_value_check_needs_inputs(self):
        problems = problems_of("""
            title: T
            entry: {function: f}
            checks: [{kind: value, name: V}]
        """)
        self.assertTrue(any("a value check needs 'cases' or 'random' inputs" in p for p in problems))

    def test_a_training_check_needs_a_target(self):
        problems = problems_of("""
            title: T
            entry: {training: train}
            checks: [{kind: training, name: T, data: {kind: linear}}]
        """)
        self.assertTrue(any("needs max_final_loss, max_holdout_mse or min_holdout_accuracy" in p for p in problems))

    def test_a_bad_device_and_entry_are_reported(self):
        problems = problems_of("""
            title: T
            device: tpu
            entry: {script: x}
            checks: [{kind: api, name: A, forbid: [x]}]
        """)
        self.assertTrue(any("'device' must be one of cpu, cuda, any" in p for p in problems))
        self.assertTrue(any("'entry' must be one of" in p for p in problems))

    def test_tensor_maker_arguments_are_checked(self):
        problems = problems_of("""
            title: T
            entry: {function: f}
            checks:
              - kind: value
                name: V
                cases:
                  - args: [{randn: 3}, {randint: [5, 1, [2]]}, {arange: [1, 2, 3, 4]}, {zeros: [2, -1]}]
        """)
        self.assertTrue(any("exercise.yaml:8: a shape must be a list of positive integers, got 3" in p for p in problems))
        self.assertTrue(any("randint needs [low, high, shape] with low < high" in p for p in problems))
        self.assertTrue(any("arange needs a number" in p for p in problems))
        self.assertTrue(any("got [2, -1]" in p for p in problems))

    def test_an_empty_shape_is_a_scalar_tensor(self):
        spec = read("""
            title: T
            entry: {function: f}
            checks: [{kind: value, name: V, random: {count: 1, args: [{randn: []}]}}]
        """)
        (arg,) = spec.checks[0].random.args
        self.assertEqual(arg, TensorInput(make="randn", arg=[], dtype="float32"))
        value = make_value(arg, torch.Generator())
        self.assertEqual(value.shape, ())
