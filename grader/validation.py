"""Validate an exercise before students see it: the reference solution must score full marks
through the real grader, the starter code must not, and its self-tests (judging.selftest) must be
judged as they expect. Validation grades on a seed of its own, never from the reference pool.

A validation that fails while one of its runs hit a time limit may be failing for our own load,
not for the exercise: it says so (`timed_out`), and the task runs it again at a quiet moment with
more time (`time_scale`) before anything is decided (grader/tasks.py).
"""

import time
from dataclasses import dataclass, replace

from judging.evaluation import evaluate
from judging.selftest import run_selftests
from judging.spec import ExerciseSpec
from sandbox import Job, Result, Status
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
    timed_out: bool = False  # a run hit its time limit: the problems may be our load's, not the exercise's

    @property
    def ok(self):
        return not self.problems


class _TimeLimitWatch:
    """The backend, noting whether any run it gave ended on a time limit."""

    def __init__(self, backend):
        self.backend, self.has_gpu = backend, backend.has_gpu
        self.timed_out = False

    def run(self, job: Job) -> Result:
        result = self.backend.run(job)
        self.timed_out |= result.status is Status.TIME_LIMIT
        return result


def with_more_time(spec: ExerciseSpec, time_scale: float) -> ExerciseSpec:
    """`spec` with its wall and CPU limits multiplied by `time_scale`."""
    if time_scale == 1:
        return spec
    limits = spec.limits
    return replace(spec, limits=replace(limits, wall_s=limits.wall_s * time_scale, cpu_s=limits.cpu_s * time_scale))


def run_code(spec: ExerciseSpec, solution_code: str, code: str, seed: int, backend) -> CodeRun:
    began = time.monotonic()
    evaluation = evaluate(spec, solution_code, code, seed, backend)
    return CodeRun(
        score=evaluation.score, max_score=evaluation.max_score, seconds=time.monotonic() - began,
        peak_memory_bytes=evaluation.peak_memory_bytes,
        failures=[f"{check.name}: {o.message}" for check, o in evaluation.outcomes if not o.passed],
    )


def validate(spec: ExerciseSpec, solution_code: str, starter_code: str, backend=None, seed: int = 20261123,
             selftest_label: str = "", time_scale: float = 1) -> Validation:
    """The reference must score full marks, the starter must not, and the self-tests' alternatives and
    mistakes must be judged as they expect (their messages start with `selftest_label`), every run
    with the exercise's time limits times `time_scale`.

    Raises SandboxUnavailable when the sandbox fails on our side: that says nothing of the exercise."""
    backend = _TimeLimitWatch(backend or get_backend())
    spec = with_more_time(spec, time_scale)
    try:
        reference = run_code(spec, solution_code, solution_code, seed, backend)
        starter = run_code(spec, solution_code, starter_code, seed, backend)
        selftests = run_selftests(spec, solution_code, backend, label=selftest_label)
    except ReferenceFailed as exc:
        return Validation(None, None, [str(exc)], backend.timed_out)
    problems = []
    if reference.score < reference.max_score:
        problems.append("the reference solution does not score full marks:\n  " + "\n  ".join(reference.failures))
    if starter.score >= starter.max_score:
        problems.append("the starter code already scores full marks")
    problems += selftests.problems
    return Validation(reference, starter, problems, backend.timed_out)
