"""The richer input format, graded for real: named dimensions shared by several arguments, sorted
and distinct random boundaries, Python numbers and booleans drawn per probe, torch.Size inputs, and
hundreds of draws in one check. The fixture exercises under tests/grader/fixtures/ close the gaps
the tensor puzzles showed (`diff(a, i)` with `i == len(a)`, `bucketize` with sorted boundaries)."""

import time
from pathlib import Path

import pytest
import torch
from django.test import SimpleTestCase

from courses.loader import Problems
from grader.content import read_exercise
from grader.runner import get_backend
from judging.evaluation import evaluate
from judging.probes import build_plan, make_value
from judging.spec import FloatInput, IntInput
from tests.grader.factories import read, read_problems

pytestmark = pytest.mark.usefixtures("grading_backend")

FIXTURES = Path(__file__).with_name("fixtures")
SEEDS = (1, 2, 3)


def load(slug):
    problems = Problems()
    exercise = read_exercise(FIXTURES / slug, problems)
    assert not problems, problems
    return exercise


def grade(exercise, code, seed):
    return evaluate(exercise.spec, exercise.solution, code, seed, get_backend())


def failed_checks(evaluation):
    return [check.name for check, outcome in evaluation.outcomes if not outcome.passed]


DIFF_WITH_CAT = "import torch\n\ndef diff(a, i):\n    return torch.cat([a[:1], a[1:] - a[:-1]])\n"
# Wraps around: a[0] - a[-1] instead of a[0]; right for no length at all but...
DIFF_ROLLED = "import torch\n\ndef diff(a, i):\n    return a - a.roll(1)\n"
# Assumes a length the prompt never promised.
DIFF_FIXED_LENGTH = ("import torch\n\ndef diff(a, i):\n"
                     "    out = a.clone()\n    out[1:5] = a[1:5] - a[0:4]\n    return out\n")

BUCKETIZE_WITH_SUM = "def bucketize(v, boundaries):\n    return (boundaries < v.unsqueeze(1)).long().sum(1)\n"
# Counts boundaries <= v: wrong exactly where a value equals a boundary.
BUCKETIZE_RIGHT_SIDE = "def bucketize(v, boundaries):\n    return (v[:, None] >= boundaries).sum(dim=1)\n"


class FixtureExerciseTests(SimpleTestCase):
    def test_diff_is_one_check_whose_length_argument_is_the_vector_length(self):
        spec = load("diff").spec
        plan = build_plan(spec, seed=5)
        lengths = set()
        for probe in plan.probes:
            a, i = probe["args"]
            self.assertEqual(i, len(a))
            lengths.add(i)
        self.assertEqual(len(plan.probes), 200)
        self.assertEqual(lengths, set(range(1, 21)))

    def test_a_correct_diff_gets_full_marks_on_many_seeds(self):
        exercise = load("diff")
        for seed in SEEDS:
            evaluation = grade(exercise, DIFF_WITH_CAT, seed)
            self.assertEqual(evaluation.score, evaluation.max_score, (seed, failed_checks(evaluation)))

    def test_wrong_diffs_lose_the_value_check(self):
        exercise = load("diff")
        for code in (DIFF_ROLLED, DIFF_FIXED_LENGTH):
            evaluation = grade(exercise, code, SEEDS[0])
            self.assertEqual(failed_checks(evaluation), ["Matches torch's differences on vectors of every length"])

    def test_bucketize_boundaries_are_sorted_and_distinct(self):
        plan = build_plan(load("bucketize").spec, seed=9)
        for probe in plan.probes:
            boundaries = probe["args"][1]
            self.assertTrue(bool((boundaries[1:] > boundaries[:-1]).all()), boundaries)

    def test_a_correct_bucketize_gets_full_marks_on_many_seeds(self):
        exercise = load("bucketize")
        for seed in SEEDS:
            evaluation = grade(exercise, BUCKETIZE_WITH_SUM, seed)
            self.assertEqual(evaluation.score, evaluation.max_score, (seed, failed_checks(evaluation)))

    def test_bucketize_on_the_wrong_side_of_ties_loses_points(self):
        evaluation = grade(load("bucketize"), BUCKETIZE_RIGHT_SIDE, SEEDS[0])
        self.assertEqual(failed_checks(evaluation), ["Matches torch.bucketize with sorted random boundaries"])
        self.assertIn("Mismatched elements", evaluation.outcomes[0][1].message)


PYTHON_INPUTS_SPEC = """
title: Python inputs
entry: {function: describe}
checks:
  - kind: value
    name: Python values
    points: 1
    random:
      count: 40
      dims: {n: [2, 6], k: [1, n]}
      args: [{int: [0, n]}, {float: [-1, 1]}, {bool: true}, {size: [n, 3]}, {randint: [0, k, [n]]}, 7, 0.5]
"""
PYTHON_INPUTS_SOLUTION = """
import torch

def describe(count, scale, flag, shape, labels, seven, half):
    assert type(count) is int and type(scale) is float and type(flag) is bool and type(seven) is int
    assert type(shape) is torch.Size, type(shape)
    return (count, scale, flag, tuple(shape), int(labels.max()), seven, half)
"""


class PythonInputTests(SimpleTestCase):
    def test_python_numbers_booleans_and_sizes_are_drawn_within_their_ranges(self):
        spec = read(PYTHON_INPUTS_SPEC)
        flags = set()
        for probe in build_plan(spec, seed=3).probes:
            count, scale, flag, shape, labels, seven, half = probe["args"]
            n = shape[0]
            self.assertTrue(0 <= count <= n and -1 <= scale <= 1 and 2 <= n <= 6, probe["args"])
            self.assertEqual((shape[1], seven, half), (3, 7, 0.5))
            self.assertEqual(labels.shape, (n,))
            self.assertLess(int(labels.max()), n)
            flags.add(flag)
        self.assertEqual(flags, {True, False})

    def test_the_code_receives_python_types_and_a_torch_size(self):
        spec = read(PYTHON_INPUTS_SPEC)
        evaluation = evaluate(spec, PYTHON_INPUTS_SOLUTION, PYTHON_INPUTS_SOLUTION + "\n", 4, get_backend())
        self.assertEqual(evaluation.score, 1, evaluation.outcomes[0][1].message)

    def test_it_rejects_unknown_dimensions_and_impossible_distinct_draws(self):
        text = "\n".join(read_problems(
            "title: t\nentry: {function: f}\nchecks:\n  - kind: value\n    name: v\n    random:\n"
            "      dims: {n: [1, 3]}\n      args: [{randn: [m]}, {randint: [0, 3, [5]], unique: true}, {dim: q}]\n"))
        self.assertIn("names of the dimensions n, got ['m']", text)
        self.assertIn("cannot draw 5 distinct values from [0, 3)", text)
        self.assertIn("unknown dimension 'q'", text)


GAPS_SPEC = """
title: Divide
entry: {function: divide}
checks:
  - kind: value
    name: Divides
    random:
      count: 400
      dims: {n: [2, 4]}
      args: [{int: [[-5, -1], [1, 5]]}, {float: [[-2.0, -0.5], [0.5, 2.0]]}, {int: [[0, 0], [n, 9]]}]
"""


class RangesWithGapsTests(SimpleTestCase):
    def test_several_ranges_are_drawn_from_and_their_gaps_never(self):
        spec = read(GAPS_SPEC)
        self.assertEqual(spec.to_json()["checks"][0]["random"]["args"],
                         [{"int": [[-5, -1], [1, 5]]}, {"float": [[-2.0, -0.5], [0.5, 2.0]]}, {"int": [[0, 0], ["n", 9]]}])
        ints, floats, mixed = zip(*(probe["args"] for probe in build_plan(spec, seed=5).probes))
        self.assertEqual(set(ints), set(range(-5, 0)) | set(range(1, 6)))
        self.assertTrue(all(type(x) is int for x in ints))
        self.assertTrue(all(0.5 <= abs(x) <= 2.0 for x in floats), floats)
        self.assertTrue(any(x < 0 for x in floats) and any(x > 0 for x in floats))
        self.assertEqual(set(mixed) - set(range(2, 10)), {0})
        self.assertNotIn(1, mixed)

    def test_one_range_draws_what_it_drew_before_ranges_could_have_gaps(self):
        """Seeds stored with submissions and reference pools must keep giving the same inputs."""
        for seed in range(200):
            int_drawn = make_value(IntInput(((-3, 9),)), torch.Generator().manual_seed(seed))
            float_drawn = make_value(FloatInput(((-1.5, 2.0),)), torch.Generator().manual_seed(seed))
            self.assertEqual(int_drawn, int(torch.randint(-3, 10, (), generator=torch.Generator().manual_seed(seed))))
            self.assertEqual(float_drawn, -1.5 + 3.5 * float(
                torch.rand((), generator=torch.Generator().manual_seed(seed), dtype=torch.float64)))

    def test_ranges_must_be_increasing_and_apart(self):
        problems = read_problems(GAPS_SPEC.replace("[[-5, -1], [1, 5]]", "[[1, 5], [-5, 1]]"))
        self.assertIn("exercise.yaml:10: int's ranges must be in increasing order, apart, got [[1, 5], [-5, 1]]",
                      problems)
        problems = read_problems(GAPS_SPEC.replace("[[-2.0, -0.5], [0.5, 2.0]]", "[[-2.0, 0.5], 3]"))
        self.assertIn("exercise.yaml:10: float needs [low, high] numbers with low <= high, got [[-2.0, 0.5], 3]", problems)


MANY_DRAWS_SPEC = """
title: Many draws
entry: {function: double}
checks:
  - kind: value
    name: Doubles
    points: 1
    random: {count: 500, dims: {n: [1, 4]}, args: [{randn: [n]}]}
"""


class ManyDrawsTests(SimpleTestCase):
    def test_five_hundred_tiny_probes_grade_in_seconds(self):
        spec = read(MANY_DRAWS_SPEC)
        began = time.monotonic()
        evaluation = evaluate(spec, "def double(x):\n    return 2 * x\n", "def double(x):\n    return x + x\n",
                              1, get_backend())
        elapsed = time.monotonic() - began
        self.assertEqual(evaluation.score, 1, evaluation.outcomes[0][1].message)
        print(f"500 probes graded in {elapsed:.2f} s")
        self.assertLess(elapsed, 15)


SWEEP_SPEC = """
title: Scale
entry: {function: scale}
checks:
  - kind: value
    name: Float32 only
    points: 1
    random: {count: 2, args: [{randn: [4]}, {tensor: [2.0]}]}
  - kind: value
    name: Keeps the input's dtype
    points: 1
    cases:
      - args: [{tensor: [1.0, -2.0], dtypes: [float32, float64]}, {tensor: [2.0], dtypes: [float32, float64]}]
    random: {count: 3, args: [{randn: [4], dtypes: [float32, float64]}, {tensor: [2.0], dtypes: [float32, float64]}]}
  - kind: value
    name: Keeps the input's dtype on hidden inputs
    points: 1
    hidden: true
    hint: Multiply.
    random: {count: 2, args: [{randn: [4], dtypes: [float32, float64]}, {tensor: [2.0], dtypes: [float32, float64]}]}
"""
SCALE = "def scale(x, factor):\n    return x * factor\n"
SCALE_IN_FLOAT32 = "def scale(x, factor):\n    return x.float() * factor.float()\n"


class DtypeSweepTests(SimpleTestCase):
    def test_it_runs_each_probe_once_per_dtype_with_the_same_values(self):
        plan = build_plan(read(SWEEP_SPEC), seed=3)
        swept = [probe for probe in plan.probes if probe["id"].startswith("1.")]
        self.assertEqual([probe["id"] for probe in swept],
                         ["1.case0.float32", "1.case0.float64"] + [f"1.random{draw}.{dtype}" for draw in range(3)
                                                                   for dtype in ("float32", "float64")])
        for single, double in zip(swept[::2], swept[1::2]):
            self.assertEqual([arg.dtype for arg in single["args"] + double["args"]],
                             [torch.float32] * 2 + [torch.float64] * 2)
            torch.testing.assert_close(double["args"][0].float(), single["args"][0])
        self.assertEqual(plan.checks[1].swept_dtypes["1.random2.float64"], ("float64",))

    def test_a_cast_to_float32_passes_a_float32_check_but_fails_the_sweep_naming_the_dtype(self):
        evaluation = evaluate(read(SWEEP_SPEC), SCALE, SCALE_IN_FLOAT32, 1, get_backend())
        float32, swept, hidden = (outcome for _, outcome in evaluation.outcomes)
        self.assertTrue(float32.passed, float32.message)
        self.assertFalse(swept.passed)
        self.assertIn("(a dtype sweep: inputs in float64):\n"
                      "output: dtype mismatch: expected torch.float64, got torch.float32", swept.message)
        self.assertEqual(hidden.message, "Failed on a hidden test. Its inputs were float64. Your output has dtype "
                                         "torch.float32 where torch.float64 was expected. Hint: Multiply.")

    def test_a_solution_that_keeps_the_inputs_dtype_passes_every_dtype(self):
        evaluation = evaluate(read(SWEEP_SPEC), SCALE, "def scale(x, factor):\n    return factor * x\n", 1,
                              get_backend())
        self.assertEqual(evaluation.score, 3, [outcome.message for _, outcome in evaluation.outcomes])

    def test_it_refuses_unknown_dtypes_sweeps_of_different_lengths_and_a_swept_init(self):
        head = "title: t\nentry: {module: M}\nchecks:\n  - kind: value\n    name: v\n"
        problems = read_problems(
            head + "    init: [{tensor: [1.0], dtypes: [float32, float64]}]\n    random:\n      count: 1\n"
                   "      args: [{randn: [3], dtypes: [float32, float64]}, {randint: [0, 3, [3]], "
                   "dtypes: [int32, int64, uint8]}, {rand: [2], dtypes: [float32, float128]}, "
                   "{rand: [2], dtype: float64, dtypes: [float32, float64]}]\n")
        self.assertEqual(problems, [
            "exercise.yaml:4: 'dtypes' sweeps a probe's args, not 'init': give the constructor's tensors one dtype",
            "exercise.yaml:9: 'dtypes' must list two or more distinct dtypes of float32, float64, float16, bfloat16, "
            "int64, int32, uint8, bool, got ['float32', 'float128']",
            "exercise.yaml:9: give a tensor 'dtype' or a sweep of 'dtypes', not both",
            "exercise.yaml:8: the inputs of one probe with 'dtypes' sweep together (the k-th dtype of each): their "
            "lists must have the same length, got lengths [2, 3]",
        ])
