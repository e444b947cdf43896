"""Mutation analysis from the command line (mutate_exercise, validate_course --mutants)."""

from collections.abc import Callable

from django.core.management.base import CommandError

import sandbox
from grader.runner import new_backend
from judging.evaluation import SandboxUnavailable
from judging.mutants import MutationReport
from judging.mutation import analyse
from judging.selftest import selftest_seeds
from judging.spec import ExerciseSpec
from judging.verdicts import ReferenceFailed


def background_backend():
    """A sandbox whose jobs get the background CPU weight: gradings on this machine come first."""
    return new_backend(cpu_shares=sandbox.cgroups.BACKGROUND_CPU_SHARES)


def print_report(spec: ExerciseSpec, solution_code: str, seeds: int, label: str,
                 write: Callable[[str], None]) -> MutationReport:
    """Analyse an exercise on `seeds` seeds and write its surviving mutants and its score."""
    backend = background_backend()
    try:
        report = analyse(spec, solution_code, backend, seeds=selftest_seeds(seeds))
    except (SandboxUnavailable, ReferenceFailed) as exc:
        raise CommandError(f"the grader could not run the analysis: {exc}")
    finally:
        backend.close()
    for line in report.problems(label):
        write(line)
    write(report.summary())
    return report
