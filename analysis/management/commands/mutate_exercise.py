"""Mutation analysis of one exercise folder: which plausible faults of the reference solution its
checks let through (judging.mutation).

    python manage.py mutate_exercise content/pytorch-essentials/05-nn-module/exercises/stable-softmax
    python manage.py mutate_exercise FOLDER --seeds 5 --list

Prints one line per surviving mutant, `solution.py:12: change [operator] — keeps 9/9: no check tells
them apart`, then the mutation score; exits 1 when the score is below --min-score. It runs on a
background sandbox (the lowest CPU weight), so students' gradings on the same machine come first.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from analysis.runs import print_report
from courses.loader import Problems
from grader.content import read_exercise
from judging.mutants import mutants

USAGE_ERROR = 2


class Command(BaseCommand):
    help = "Grade mutants of an exercise's reference solution; report those that keep full marks."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="an exercise folder (exercise.yaml, solution.py, ...)")
        parser.add_argument("--seeds", type=int, default=3, help="how many seeds each surviving mutant is tried on")
        parser.add_argument("--min-score", type=float, default=0.0,
                            help="exit 1 when the mutation score (0 to 1) is below this")
        parser.add_argument("--list", action="store_true", dest="list_only", help="list the mutants without grading them")

    def handle(self, folder, seeds=3, min_score=0.0, list_only=False, **options):
        problems = Problems()
        exercise = read_exercise(folder, problems) if folder.is_dir() else None
        if problems or exercise is None:
            raise CommandError("\n".join(map(str, problems)) or f"{folder} is not an exercise folder",
                               returncode=USAGE_ERROR)
        if list_only:
            for mutant in mutants(exercise.solution):
                self.stdout.write(f"solution.py:{mutant.key} [{mutant.operator}]")
            return
        report = print_report(exercise.spec, exercise.solution, seeds, label=f"{folder}/solution.py",
                              write=self.stdout.write)
        if report.score < min_score:
            raise CommandError(f"mutation score {report.score:.0%} is below {min_score:.0%}")
