"""Grade a file against an exercise folder on disk, exactly as the site would, without importing it.

    python manage.py try_exercise content/pytorch-essentials/03-autograd/exercises/grad-of-square my.py
    python manage.py try_exercise FOLDER FILE --seed 7 --json
    python manage.py try_exercise FOLDER main.py helper.py     # main.py imports helper

Prints what the student would see (per-check results and hints, hidden checks as the student sees
them, the output of the visible checks' run) and exits 0 on full marks, 1 otherwise, 2 on bad usage.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from courses.loader import Problems
from grader.content import read_exercise
from grader.models import SubmissionRejected, check_source, new_seed
from grader.runner import get_backend
from judging.evaluation import STUDENT_FILE, Evaluation, SandboxUnavailable, evaluate, failure_of, submission_files
from judging.verdicts import ReferenceFailed

USAGE_ERROR = 2


class Command(BaseCommand):
    help = "Grade FILE against the exercise folder FOLDER as the site would; exit 0 on full marks, 1 otherwise."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="an exercise folder (exercise.yaml, solution.py, ...)")
        parser.add_argument("files", type=Path, nargs="+", metavar="file",
                            help="the Python file to grade; more files are modules it imports, by their names")
        parser.add_argument("--seed", type=int, help="the secret seed to draw inputs from (default: a new one)")
        parser.add_argument("--json", action="store_true", dest="as_json", help="print the result as JSON")

    def handle(self, folder, files, seed=None, as_json=False, **options):
        problems = Problems()
        exercise = read_exercise(folder, problems) if folder.is_dir() else None
        if problems or exercise is None:
            raise CommandError("\n".join(map(str, problems)) or f"{folder} is not an exercise folder",
                               returncode=USAGE_ERROR)
        # The first file is the entry, submission.py; the others keep their names for `import`.
        names = [STUDENT_FILE, *(file.name for file in files[1:])]
        try:
            sources = {name: check_source(file.read_bytes()) for name, file in zip(names, files)}
            code = sources[STUDENT_FILE] if len(files) == 1 else sources
            submission_files(code, exercise.spec)
        except OSError as exc:
            raise CommandError(f"cannot read {exc.filename}: {exc.strerror}", returncode=USAGE_ERROR)
        except ValueError as exc:
            raise CommandError(str(exc), returncode=USAGE_ERROR)
        except SubmissionRejected as exc:
            return self.finish(as_json, {"score": 0, "max_score": exercise.spec.max_score, "status": "rejected",
                                      "checks": [], "shown_output": str(exc)})
        try:
            evaluation = evaluate(exercise.spec, exercise.solution, code,
                                  new_seed() if seed is None else seed, get_backend())
        except (SandboxUnavailable, ReferenceFailed) as exc:
            raise CommandError(f"the grader could not grade this: {exc}")
        return self.finish(as_json, student_view(evaluation))

    def finish(self, as_json, view):
        self.stdout.write(json.dumps(view, ensure_ascii=False, indent=2) if as_json else as_text(view))
        if view["score"] < view["max_score"]:
            raise SystemExit(1)


def student_view(evaluation: Evaluation) -> dict:
    """What the exercise page would show: nothing here comes from the hidden checks' job."""
    shown = evaluation.shown
    output = "".join([shown.stdout, shown.stderr]) if shown else ""
    error = failure_of(shown)
    return {
        "score": evaluation.score,
        "max_score": evaluation.max_score,
        "status": shown.status.value if shown else "not_run",
        "checks": evaluation.check_results(),
        "shown_output": output + (f"\n{error}" if error else ""),
    }


def as_text(view: dict) -> str:
    lines = [f"Score: {view['score']:g} / {view['max_score']:g} ({view['status']})"]
    for check in view["checks"]:
        mark = "PASS" if check["passed"] else "FAIL"
        lines.append(f"{mark}  {check['name']} ({check['points']:g}/{check['max_points']:g})")
        lines += [f"      {line}" for line in check["message"].splitlines()]
    if view["shown_output"]:
        lines += ["Output:", view["shown_output"].rstrip("\n")]
    return "\n".join(lines)
