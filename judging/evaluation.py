"""Run and judge one piece of code against an exercise spec: steps 5-8 of the design's flow.

Plain Python (no Django), so that the site, validation and `try_exercise` grade exactly alike.

The student's code runs in up to two sandbox jobs: one with the probes of the visible checks and
one with the probes of the hidden checks. Only the visible job's output (stdout, stderr, its
error) may reach the student; the hidden job's is kept for staff. A separate job is the only
way to be sure: inside one process the code can print its inputs, keep a file descriptor it
saved at import time, or raise an exception carrying them. The reference solution runs once on
every probe; its output is never shown. A sandbox_error (ours) raises SandboxUnavailable so the
caller retries; it never costs the student an attempt.
"""

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from sandbox import Job, Limits, Result, Status

from .harness_file import HARNESS_SOURCE
from .probes import build_plan
from .spec import Check, ExerciseSpec
from .verdicts import Outcome, ReferenceFailed, RunAnswers, SplitAnswers, check_reference, judge_check

STUDENT_FILE = "submission.py"
MODULE_FILE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\.py")
_pool = ThreadPoolExecutor(max_workers=3, thread_name_prefix="sandbox-run")


class SandboxBackend(Protocol):
    """What grading needs of a sandbox backend (sandbox.create_backend makes one)."""

    has_gpu: bool

    def run(self, job: Job) -> Result: ...


class SandboxUnavailable(Exception):
    """The sandbox failed on our side; retry later."""


def limits_for(spec: ExerciseSpec) -> Limits:
    limits = spec.limits
    return Limits(
        wall_s=float(limits.wall_s),
        cpu_s=float(limits.cpu_s),
        memory_bytes=int(limits.memory_mb) << 20,
        output_bytes=int(limits.output_kb) * 1024,
    )


def job_device(exercise_device: str, backend: SandboxBackend) -> str:
    if exercise_device == "cuda" or (exercise_device == "any" and backend.has_gpu):
        return "cuda"
    return "cpu"


def failure_of(result: Result | None) -> str:
    """Why a student's run produced no usable answers, in the words the student sees."""
    if result is None or result.status is Status.OK:
        return ""
    return result.error or f"the program ended with status {result.status.value}"


@dataclass
class Evaluation:
    outcomes: list[tuple[Check, Outcome]]  # every check of the spec, in its order
    shown: Result | None  # the visible job: its output and error may be shown to the student
    hidden: Result | None  # the hidden job: for staff only
    device: str

    @property
    def score(self) -> float:
        return sum(check.points for check, outcome in self.outcomes if outcome.passed)

    @property
    def max_score(self) -> float:
        return sum(check.points for check, _ in self.outcomes)

    def check_results(self) -> list[dict]:
        """Each check's result as stored and shown: points earned, and the message the student may see."""
        return [
            {"position": i, "name": check.name, "kind": check.kind, "hidden": check.hidden,
             "passed": outcome.passed, "points": check.points if outcome.passed else 0,
             "max_points": check.points, "message": outcome.message}
            for i, (check, outcome) in enumerate(self.outcomes)
        ]

    @property
    def runs(self) -> list[Result]:
        return [run for run in (self.shown, self.hidden) if run is not None]

    @property
    def sandbox_status(self) -> str:
        """The first status that was not ok (visible job first), or ok; not_run without a job."""
        runs = self.runs
        return next((r.status.value for r in runs if not r.ok), "ok") if runs else "not_run"

    @property
    def wall_s(self) -> float:
        return max((run.wall_s for run in self.runs), default=0.0)

    @property
    def cpu_s(self) -> float:
        return sum(run.cpu_s for run in self.runs)

    @property
    def peak_memory_bytes(self) -> int:
        return max((run.peak_memory_bytes for run in self.runs), default=0)

    @property
    def staff_output(self) -> str:
        """Why hidden checks failed, and what the hidden job printed: never shown to the student."""
        run = self.hidden
        if run is None:
            return ""
        parts = [f"[hidden checks: {run.status.value}] {failure_of(run)}".rstrip()]
        parts += [f"--- {check.name} failed:\n{outcome.staff_message}"
                  for check, outcome in self.outcomes if outcome.staff_message]
        parts += [f"--- {name}\n{text}" for name, text in (("stdout", run.stdout), ("stderr", run.stderr)) if text]
        return "\n".join(parts)


STOPPED_THE_SANDBOX = (
    "Your code stopped the sandbox that was running it, on this try and on a retry, while the grader's own "
    "test job runs normally: this counts as a runtime error of your program. Look for code that signals or "
    "kills processes, or that exhausts what the sandbox allows.")


def stopped_the_sandbox(spec: ExerciseSpec) -> Evaluation:
    """The verdict on code that broke the sandbox again on a retry while the canary job passed right
    after: the student's runtime error, every check failed, and nothing of any probe in the message."""
    run = Result(Status.RUNTIME_ERROR, error=STOPPED_THE_SANDBOX)
    return Evaluation([(check, Outcome(False, STOPPED_THE_SANDBOX)) for check in spec.checks], run, None, "cpu")


def _sandbox_results(backend, jobs: list[Job]) -> list[Result]:
    """Run `jobs` in parallel; a sandbox_error among them is ours: raise SandboxUnavailable."""
    results = list(_pool.map(backend.run, jobs))
    for result in results:
        if result.status is Status.SANDBOX_ERROR:
            raise SandboxUnavailable(result.error)
    return results


def _reference_value(result: Result) -> object:
    if not result.ok:
        raise ReferenceFailed(f"the reference solution did not run: {failure_of(result)}")
    return result.value


def run_reference(spec: ExerciseSpec, solution_code: str, seed: int, backend: SandboxBackend) -> object:
    """The reference solution's answers on every probe drawn from `seed`, checked to answer each
    one: what evaluate() accepts as `reference_answers`. Raises SandboxUnavailable or ReferenceFailed."""
    plan = build_plan(spec, seed)
    job = code_job(spec, solution_code, plan.inputs(plan.probes), limits_for(spec),
                   job_device(spec.device, backend))
    value = _reference_value(_sandbox_results(backend, [job])[0])
    check_reference(plan, RunAnswers(value))
    return value


def submission_files(code: str | dict[str, str], spec: ExerciseSpec) -> dict[str, str]:
    """The student's files: one source is `submission.py`; a dict of file name to source is a
    submission of several modules that import each other, `submission.py` the entry."""
    files = {STUDENT_FILE: code} if isinstance(code, str) else dict(code)
    if STUDENT_FILE not in files:
        raise ValueError(f"a submission of several files needs {STUDENT_FILE}, the entry, among {sorted(files)}")
    for name, text in files.items():
        if not (type(name) is str and MODULE_FILE.fullmatch(name)) or type(text) is not str:
            raise ValueError(f"{name!r}: a submitted file is a Python module (name.py) given as text")
        if name in spec.provided:
            raise ValueError(f"{name} is a file the exercise provides: name your module otherwise")
    return files


def code_job(spec: ExerciseSpec, code: str | dict[str, str], inputs: dict, limits: Limits, device: str) -> Job:
    """One sandbox job of `code` (the student's or the reference's) beside the exercise's provided files."""
    files = submission_files(code, spec)
    return Job(main=HARNESS_SOURCE, files={**spec.provided, **files},
               inputs={**inputs, "student_files": sorted(files)}, limits=limits, device=device)


def evaluate(spec: ExerciseSpec, solution_code: str, code: str | dict[str, str], seed: int, backend: SandboxBackend,
             reference_answers: object = None) -> Evaluation:
    """Grade `code` against `spec`, with `solution_code` as the reference, on inputs from `seed`.
    `code` is the source of `submission.py`, or a dict of file name to source (see submission_files).

    `reference_answers` are the reference's answers on `seed` computed ahead (run_reference, kept
    by grader.reference_pool): then only the student's code runs. Without them the reference runs
    here, beside it. Raises SandboxUnavailable (ours, retry) or ReferenceFailed (the exercise is broken).
    """
    plan = build_plan(spec, seed)
    visible = [p for p in plan.probes if not plan.hidden_probe(p["id"])]
    hidden = [p for p in plan.probes if plan.hidden_probe(p["id"])]
    device = job_device(spec.device, backend) if plan.probes else "cpu"
    limits = limits_for(spec)

    def job(source, probes):
        return code_job(spec, source, plan.inputs(probes), limits, device)

    shown = hidden_run = None
    student = reference = RunAnswers(None, failure="no sandbox run was needed")
    if plan.probes and code == solution_code:  # validating the reference: one run answers for both
        (reference_result,) = _sandbox_results(backend, [job(solution_code, plan.probes)])
        student = reference = RunAnswers(_reference_value(reference_result))
        shown, hidden_run = (reference_result if visible else None), (reference_result if hidden else None)
    elif plan.probes:
        student_jobs = [job(code, probes) for probes in (visible, hidden) if probes]
        if reference_answers is None:
            reference_result, *results = _sandbox_results(backend, [job(solution_code, plan.probes), *student_jobs])
            reference_answers = _reference_value(reference_result)
        else:
            results = _sandbox_results(backend, student_jobs)
        reference = RunAnswers(reference_answers)
        runs = iter(results)
        shown = next(runs) if visible else None
        hidden_run = next(runs) if hidden else None
        student = SplitAnswers([(probes, RunAnswers(run.value, failure=failure_of(run)))
                                for probes, run in ((visible, shown), (hidden, hidden_run)) if run is not None])
    outcomes = [(p.check, judge_check(p, student, reference, code)) for p in plan.checks]
    return Evaluation(outcomes, shown, hidden_run, device)
