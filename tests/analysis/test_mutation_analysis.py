"""Mutants graded through the real sandbox: a check that tells a fault apart kills it, one that does not
lets it keep full marks and the report says so, with its line and change."""

import pytest

from judging.mutants import MutantVerdict, MutationReport, mutants
from judging.mutation import analyse
from judging.selftest import selftest_seeds
from tests.grader.factories import read, read_problems

SOFTMAX_SPEC = """
title: Softmax
entry: {function: softmax}
limits: {wall_s: 10, memory_mb: 512}
checks:
  - kind: value
    name: Rows of random logits
    points: 2
    random: {count: 3, args: [{randn: [4, 5]}]}
  - kind: value
    name: Large logits stay finite
    points: 1
    cases:
      - args: [{tensor: [[1000.0, 0.0, -1000.0]]}]
"""
SOFTMAX = """\
import torch


def softmax(x):
    shifted = x - x.max(dim=-1, keepdim=True).values
    e = torch.exp(shifted)
    return e / e.sum(dim=-1, keepdim=True)
"""
DETACHED = "6: e = torch.exp(shifted) -> e = torch.exp(shifted).detach()"
WITH_GRADIENTS = SOFTMAX_SPEC + """
  - kind: gradient
    name: Gradients flow through it
    points: 1
    random: {count: 2, args: [{randn: [3, 4], requires_grad: true}]}
"""

COUNT_SPEC = """
title: Count up
entry: {function: triangle}
limits: {wall_s: 20, cpu_s: 20, memory_mb: 512}
checks:
  - kind: value
    name: Triangle numbers
    random: {count: 2, args: [{int: [1, 30]}]}
"""
COUNT = """\
import torch


def triangle(n):
    i, total = 0, 0
    while i < n:
        total += i
        i += 1
    return torch.tensor(total)
"""

pytestmark = pytest.mark.usefixtures("grading_backend")


def test_it_kills_what_a_check_tells_apart_and_reports_what_none_does(grading_backend):
    report = analyse(read(SOFTMAX_SPEC), SOFTMAX, grading_backend, seeds=selftest_seeds(2))
    survivors = {v.mutant.key for v in report.survivors}
    assert DETACHED in survivors  # no check differentiates: the gradients are never compared
    killed = {v.mutant.key: v for v in report.verdicts if v.killed}
    sum_mean = killed["7: e.sum -> e.mean"]
    assert sum_mean.failed_checks == ("Rows of random logits", "Large logits stay finite")
    assert sum_mean.score == "0/3" and sum_mean.seed == selftest_seeds(1)[0]
    assert f"solution.py:{DETACHED} [detach-inserted] \u2014 keeps 3/3: no check tells them apart" in report.problems()
    assert report.score == report.killed / len(report.verdicts) < 1
    assert report.summary().startswith(f"mutation score {report.score:.0%}: {report.killed} of {len(report.verdicts)}")


def test_a_gradient_check_kills_the_detached_mutant(grading_backend):
    (detached,) = [m for m in mutants(SOFTMAX) if m.key == DETACHED]
    report = analyse(read(WITH_GRADIENTS), SOFTMAX, grading_backend, seeds=selftest_seeds(2), only=[detached])
    (verdict,) = report.verdicts
    assert verdict.killed and verdict.failed_checks == ("Gradients flow through it",)


def test_a_mutant_marked_equivalent_is_left_out_of_the_score(grading_backend):
    marked = SOFTMAX_SPEC + f"""
equivalent_mutants:
  - mutant: "{DETACHED}"
    reason: the exercise grades values only
  - mutant: "99: nothing -> anything"
    reason: a mark for a line the solution no longer has
"""
    report = analyse(read(marked), SOFTMAX, grading_backend, seeds=selftest_seeds(1))
    (verdict,) = [v for v in report.verdicts if v.mutant.key == DETACHED]
    assert verdict.equivalent == "the exercise grades values only" and not verdict.killed
    assert DETACHED not in {v.mutant.key for v in report.survivors}
    assert len(report.counted) == len(report.verdicts) - 1
    assert report.problems()[-1] == ('equivalent_mutants: "99: nothing -> anything" names no mutant of the '
                                     'solution (it changed?)')


def test_a_mutant_that_loops_for_ever_is_killed_by_a_time_limit_shorter_than_the_exercises(grading_backend):
    (endless,) = [m for m in mutants(COUNT) if m.key == "8: i += 1 deleted"]
    report = analyse(read(COUNT_SPEC), COUNT, grading_backend, seeds=selftest_seeds(1), only=[endless])
    (verdict,) = report.verdicts
    assert verdict.killed and verdict.score == "0/1"


def test_the_verdicts_survive_their_json_form_as_an_analysis_stores_them(grading_backend):
    report = analyse(read(SOFTMAX_SPEC), SOFTMAX, grading_backend, seeds=selftest_seeds(1),
                     only=mutants(SOFTMAX)[:3])
    stored = [verdict.to_json() for verdict in report.verdicts]
    assert MutationReport(tuple(map(MutantVerdict.from_json, stored)), report.seeds) == report


def test_the_reader_refuses_a_mark_without_a_reason():
    problems = read_problems(SOFTMAX_SPEC + """
equivalent_mutants:
  - mutant: "6: e -> f"
""")
    assert problems == ['exercise.yaml:17: each equivalent mutant is {mutant: "LINE: change", reason: why no check '
                        'can tell it apart}']
