"""Self-tests of an exercise: its other correct solutions must get full marks, its typical mistakes must not.

    exercises/<slug>/alternatives/*.py   other correct solutions: full marks on every seed tried
    exercises/<slug>/mistakes/*.py       wrong or shortcut solutions; the first line names the check(s)
                                         each must fail, on every seed tried, and it must lose points:
                                         # fails: No loops, Matches the reference

The files travel with the exercise version (`spec.selftests`, read by grader.content), so
validation runs them wherever it runs: validate_course, import_course --validate, the admin's
Validate button. The reference runs once per seed; every file is judged against its answers.

An exercise whose checks let a shortcut through, or refuse a valid formulation, says so here before a
student finds out. Each file is graded by `evaluate`, exactly as a student's submission would be, on
several seeds (derived deterministically by `selftest_seeds`, so a CI run is reproducible), and every
verdict that differs from the one expected is reported with the first seed where it differed.

What is trusted: nothing a file says about itself except its `# fails:` line. These files are the
instructor's own, like the reference solution, but they are code: they run only in the sandbox, like
any submission. Plain Python, no Django, so validation, the admin and the tests share it.
"""

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .evaluation import Evaluation, SandboxBackend, evaluate, run_reference
from .spec import ALTERNATIVES, MISTAKES, ExerciseSpec

FAILS_PREFIX = "# fails:"
DEFAULT_SEED_COUNT = 3
# The problems of one file's run; called with None before any run (a malformed `# fails:` line).
Judge = Callable[[str, Evaluation | None], list[str]]


def selftest_seeds(count: int = DEFAULT_SEED_COUNT) -> list[int]:
    """`count` seeds that are the same on every run and machine (the first ones stay when count grows)."""
    return [int.from_bytes(hashlib.sha256(f"selftest:{index}".encode()).digest()[:7], "big")
            for index in range(count)]


@dataclass(frozen=True)
class Finding:
    """One verdict that differs from what its file expects, on the first seed where it did."""

    path: str  # as the folder names it: alternatives/x.py, mistakes/y.py
    seed: int | None  # None when the file could not be run (no `# fails:` line)
    message: str  # "path: expected full marks, got 8/10 (check ...)"

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class SelftestReport:
    alternatives: int  # how many files of each kind were tried
    mistakes: int
    seeds: tuple[int, ...]
    findings: tuple[Finding, ...]

    @property
    def problems(self) -> list[str]:
        return [finding.message for finding in self.findings]

    @property
    def ok(self) -> bool:
        return not self.findings


def run_selftests(spec: ExerciseSpec, solution_code: str, backend: SandboxBackend, seeds: Sequence[int] | None = None,
                  label: str = "") -> SelftestReport:
    """Grade every self-test file of `spec` (`spec.selftests`) on `seeds`; each finding's
    message starts with `label` + the file's name (e.g. the exercise folder's path and a slash).

    Raises SandboxUnavailable (ours, retry) or ReferenceFailed (the exercise itself is broken), as
    `evaluate` does: neither says anything about the self-tests.
    """
    seeds = tuple(selftest_seeds() if seeds is None else seeds)
    files = spec.selftests
    check_names = [check.name for check in spec.checks]
    judges = {name: _alternative_judge(label + name) if name.startswith(f"{ALTERNATIVES}/")
              else _mistake_judge(label + name, check_names) for name in files}
    # A mistake without a usable `# fails:` line is reported before it runs.
    findings = {name: [Finding(name, None, message) for message in judges[name](code, None)]
                for name, code in files.items()}
    for seed in seeds:
        pending = [name for name in files if not findings[name]]
        if not pending:
            break
        reference = run_reference(spec, solution_code, seed, backend)
        for name in pending:
            evaluation = evaluate(spec, solution_code, files[name], seed, backend, reference_answers=reference)
            findings[name] = [Finding(name, seed, message) for message in judges[name](files[name], evaluation)]
    count = {kind: sum(name.startswith(f"{kind}/") for name in files) for kind in (ALTERNATIVES, MISTAKES)}
    return SelftestReport(count[ALTERNATIVES], count[MISTAKES], seeds,
                          tuple(finding for name in sorted(files) for finding in findings[name]))


def _alternative_judge(path: str) -> Judge:
    """An alternative's problem: it lost points."""

    def judge(code: str, evaluation: Evaluation | None) -> list[str]:
        if evaluation is None or evaluation.score >= evaluation.max_score:
            return []
        failed = "; ".join(f'check "{check.name}": {_first_line(outcome)}'
                           for check, outcome in evaluation.outcomes if not outcome.passed)
        return [f"{path}: expected full marks, got {_score(evaluation)} ({failed})"]

    return judge


def _mistake_judge(path: str, check_names: list[str]) -> Judge:
    """A mistake's problems: its `# fails:` line is missing or names no check, a named check passed,
    or it kept every point."""

    def judge(code: str, evaluation: Evaluation | None) -> list[str]:
        first_line = code.split("\n", 1)[0].strip()
        if not first_line.startswith(FAILS_PREFIX):
            return [f'{path}: the first line must name the check(s) this mistake fails, as "{FAILS_PREFIX} '
                    f'<check name>" (checks: {_quoted(check_names)})']
        expected = parse_fails(first_line.removeprefix(FAILS_PREFIX), check_names)
        unknown = [name for name in expected if name not in check_names]
        if unknown or not expected:
            return [f'{path}: "{FAILS_PREFIX}" names no check of this exercise: {_quoted(unknown) or "nothing"} '
                    f"(checks: {_quoted(check_names)})"]
        if evaluation is None:
            return []
        passed = {check.name for check, outcome in evaluation.outcomes if outcome.passed}
        problems = [f'{path}: expected to fail check "{name}", but it passed (score {_score(evaluation)})'
                    for name in expected if name in passed]
        if not problems and evaluation.score >= evaluation.max_score:
            problems.append(f"{path}: expected to lose points, but it got full marks ({_score(evaluation)})")
        return problems

    return judge


def parse_fails(text: str, check_names: Sequence[str]) -> list[str]:
    """The check names of a `# fails:` line, separated by commas. A check whose own name holds a comma
    ("Gradients with respect to x, w and b") is recognised whole: the longest name that matches wins."""
    names, rest = [], text.strip()
    while rest:
        whole = [name for name in check_names if rest == name or rest.startswith(name + ",")]
        name = max(whole, key=len) if whole else rest.split(",", 1)[0].strip()
        if name:
            names.append(name)
        rest = rest[len(name):].strip().removeprefix(",").strip()
    return names


def _first_line(outcome) -> str:
    """The first line of why a check failed; for a hidden check, staff's message, not the student's hint."""
    message = outcome.staff_message or outcome.message
    return message.strip().split("\n", 1)[0]


def _score(evaluation: Evaluation) -> str:
    return f"{evaluation.score:g}/{evaluation.max_score:g}"


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)
