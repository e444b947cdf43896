"""Mutation analysis of an exercise: each mutant of the reference solution (judging.mutants) graded by
the real grader; a mutant that keeps full marks is a mistake no check tells apart from the solution.

Each mutant is graded exactly as a student's submission (`evaluate`, through the sandbox, against the
reference's answers) on several seeds, and is *killed* once it loses a point. The exercise's mutation
score is the share of mutants killed, the ones its author marked equivalent left out.

What is trusted: nothing a mutant's run says about itself; its verdict is the grader's, as for any
submission. Plain Python, no Django: the command, the admin's task and the tests share it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from .evaluation import SandboxBackend, evaluate, run_reference
from .mutants import Mutant, MutantVerdict, MutationReport, mutants
from .selftest import selftest_seeds
from .spec import ExerciseSpec

# A mutant's run gets this multiple of the reference's own time (at least MIN_MUTANT_WALL_S, at most
# the exercise's limit): a mutant that loops for ever is killed by its time limit, quickly.
MUTANT_TIME_FACTOR = 4
MIN_MUTANT_WALL_S = 5


def _mutant_limits(spec: ExerciseSpec, reference_seconds: float) -> ExerciseSpec:
    wall = min(float(spec.limits.wall_s), max(MIN_MUTANT_WALL_S, MUTANT_TIME_FACTOR * reference_seconds))
    cpu = min(float(spec.limits.cpu_s), wall)
    return replace(spec, limits=replace(spec.limits, wall_s=wall, cpu_s=cpu))


def analyse(spec: ExerciseSpec, solution_code: str, backend: SandboxBackend, seeds: Sequence[int] | None = None,
            only: Sequence[Mutant] | None = None, concurrency: int = 2,
            progress: Callable[[MutantVerdict], None] | None = None) -> MutationReport:
    """Grade every mutant of `solution_code` (or `only` these) against the reference on each seed in
    turn, until it loses a point; `concurrency` mutants at a time (the backend's slots bound what
    runs). `progress` is called with each mutant's verdict as soon as it is known.

    Raises SandboxUnavailable (ours, retry) or ReferenceFailed (the exercise itself is broken), as
    `evaluate` does."""
    seeds = tuple(selftest_seeds() if seeds is None else seeds)
    candidates = list(mutants(solution_code) if only is None else only)
    marks = spec.equivalent_mutants
    verdicts = {mutant.key: MutantVerdict(mutant, False, "", equivalent=marks[mutant.key])
                for mutant in candidates if mutant.key in marks}
    pending = [mutant for mutant in candidates if mutant.key not in marks]
    references = [_reference(spec, solution_code, seed, backend) for seed in seeds] if pending else []

    def grade(mutant: Mutant) -> MutantVerdict:
        for seed, reference, mutant_spec in references:
            evaluation = evaluate(mutant_spec, solution_code, mutant.source, seed, backend, reference_answers=reference)
            score = f"{evaluation.score:g}/{evaluation.max_score:g}"
            if evaluation.score < evaluation.max_score:
                failed = tuple(check.name for check, outcome in evaluation.outcomes if not outcome.passed)
                return MutantVerdict(mutant, True, score, failed, seed)
        return MutantVerdict(mutant, False, score)

    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="mutant") as pool:
        for verdict in pool.map(grade, pending):
            verdicts[verdict.mutant.key] = verdict
            if progress:
                progress(verdict)
    keys = {mutant.key for mutant in candidates}
    return MutationReport(tuple(verdicts[mutant.key] for mutant in candidates), seeds,
                          tuple(key for key in marks if key not in keys) if only is None else ())


def _reference(spec: ExerciseSpec, solution_code: str, seed: int, backend: SandboxBackend):
    """The reference's answers on `seed`, and the spec its mutants run under: limits from its own time."""
    began = time.monotonic()
    answers = run_reference(spec, solution_code, seed, backend)
    return seed, answers, _mutant_limits(spec, time.monotonic() - began)
