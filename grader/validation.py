"""Validate an exercise before students see it: the reference solution must score full marks
through the real grader, and the starter code must not."""

import time
from dataclasses import dataclass

from .checks import ReferenceFailed
from .evaluation import evaluate
from .runner import get_backend


@dataclass
class CodeRun:
    score: float
    max_score: float
    seconds: float
    peak_memory_bytes: int
    failures: list  # messages of the checks that failed


@dataclass
class Validation:
    reference: CodeRun | None
    starter: CodeRun | None
    problems: list

    @property
    def ok(self):
        return not self.problems


def run_code(version, code, seed, backend):
    began = time.monotonic()
    # Never from the reference pool: validation checks the reference itself, on its own seed.
    evaluation = evaluate(version.spec, version.solution_code, code, seed, backend or get_backend())
    return CodeRun(
        score=evaluation.score, max_score=evaluation.max_score, seconds=time.monotonic() - began,
        peak_memory_bytes=evaluation.peak_memory_bytes,
        failures=[f"{check['name']}: {o.message}" for check, o in evaluation.outcomes if not o.passed],
    )


def validate(version, starter_code, backend=None, seed=20261123):
    """Raises SandboxUnavailable when the sandbox fails on our side: that says nothing of the exercise."""
    try:
        reference = run_code(version, version.solution_code, seed, backend)
        starter = run_code(version, starter_code, seed, backend)
    except ReferenceFailed as exc:
        return Validation(None, None, [str(exc)])
    problems = []
    if reference.score < reference.max_score:
        problems.append("the reference solution does not score full marks:\n  " + "\n  ".join(reference.failures))
    if starter.score >= starter.max_score:
        problems.append("the starter code already scores full marks")
    return Validation(reference, starter, problems)
