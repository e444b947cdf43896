"""Validate an exercise before students see it: the reference solution must score full marks
through the real grader, the starter code must not, and its self-tests (judging.selftest) must be
judged as they expect. Validation grades on a seed of its own, never from the reference pool."""

import time
from dataclasses import dataclass

from judging.evaluation import evaluate
from judging.selftest import run_selftests
from judging.spec import ExerciseSpec
from judging.verdicts import ReferenceFailed

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


def run_code(spec: ExerciseSpec, solution_code: str, code: str, seed: int, backend) -> CodeRun:
    began = time.monotonic()
    evaluation = evaluate(spec, solution_code, code, seed, backend)
    return CodeRun(
        score=evaluation.score, max_score=evaluation.max_score, seconds=time.monotonic() - began,
        peak_memory_bytes=evaluation.peak_memory_bytes,
        failures=[f"{check.name}: {o.message}" for check, o in evaluation.outcomes if not o.passed],
    )


def validate(spec: ExerciseSpec, solution_code: str, starter_code: str, backend=None, seed: int = 20261123,
             selftest_label: str = "") -> Validation:
    """The reference must score full marks, the starter must not, and the self-tests' alternatives and
    mistakes must be judged as they expect (their messages start with `selftest_label`).

    Raises SandboxUnavailable when the sandbox fails on our side: that says nothing of the exercise."""
    backend = backend or get_backend()
    try:
        reference = run_code(spec, solution_code, solution_code, seed, backend)
        starter = run_code(spec, solution_code, starter_code, seed, backend)
        selftests = run_selftests(spec, solution_code, backend, label=selftest_label)
    except ReferenceFailed as exc:
        return Validation(None, None, [str(exc)])
    problems = []
    if reference.score < reference.max_score:
        problems.append("the reference solution does not score full marks:\n  " + "\n  ".join(reference.failures))
    if starter.score >= starter.max_score:
        problems.append("the starter code already scores full marks")
    problems += selftests.problems
    return Validation(reference, starter, problems)
