from django.core.management.base import BaseCommand, CommandError

from analysis.runs import print_report
from courses.loader import CourseFolderInvalid, parse_course
from grader.validation import validate
from judging.lints import lint_spec


class Command(BaseCommand):
    help = ("Check a course folder and run every exercise's reference solution (must score full marks), "
            "starter code (must not) and self-tests (alternatives/ get full marks, mistakes/ fail the checks "
            "they name) through the real sandbox; warn of checks a shortcut could pass.")

    def add_arguments(self, parser):
        parser.add_argument("folder")
        parser.add_argument("--exercise", help="only the exercise with this slug")
        parser.add_argument("--mutants", action="store_true",
                            help="also run each exercise's mutation analysis (mutate_exercise) and print its score")

    def handle(self, folder, exercise=None, mutants=False, **options):
        try:
            course = parse_course(folder)
        except CourseFolderInvalid as exc:
            raise CommandError(f"{len(exc.problems)} problem(s) in the course files:\n{exc}")
        failed = 0
        for chapter in course.chapters:
            for data in chapter.extensions.get("exercises", []):
                if exercise and data.slug != exercise:
                    continue
                folder = chapter.folder / "exercises" / data.slug
                result = validate(data.spec, data.solution, data.starter, selftest_label=f"{folder}/")
                name = f"{chapter.slug}/{data.slug}"
                if result.ok:
                    ref, start = result.reference, result.starter
                    self.stdout.write(
                        f"ok    {name}: reference {ref.score:g}/{ref.max_score:g} in {ref.seconds:.2f} s "
                        f"({ref.peak_memory_bytes / 2**20:.0f} MB), starter {start.score:g}/{start.max_score:g}"
                    )
                else:
                    failed += 1
                    self.stdout.write(f"FAIL  {name}: " + "\n      ".join(result.problems))
                for warning in lint_spec(data.spec, prompt=data.prompt):
                    self.stdout.write(f"warn  {name}: {warning}")
                if mutants:
                    print_report(data.spec, data.solution, 3, label=f"{folder}/solution.py",
                                 write=lambda line: self.stdout.write(f"mutant {name}: {line}"))
        if failed:
            raise CommandError(f"{failed} exercise(s) failed validation")
