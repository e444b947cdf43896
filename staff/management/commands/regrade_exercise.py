from django.core.management.base import BaseCommand, CommandError

from grader import grading
from grader.models import Exercise
from staff.review import request_regrade_all


class Command(BaseCommand):
    help = ("Regrade every submission of an exercise against its current version (after its checks "
            "or reference solution changed). Previous grades stay in each submission's history.")

    def add_arguments(self, parser):
        parser.add_argument("exercise", help="COURSE/CHAPTER/EXERCISE slugs, e.g. pytorch-essentials/tensors/outer-product")
        parser.add_argument("--now", action="store_true", help="grade here and wait, instead of queueing Celery tasks")

    def handle(self, exercise, now=False, **options):
        try:
            course, chapter, slug = exercise.split("/")
            exercise = Exercise.objects.get(chapter__course__slug=course, chapter__slug=chapter, slug=slug)
        except (ValueError, Exercise.DoesNotExist):
            raise CommandError(f"no exercise {exercise!r}: give COURSE/CHAPTER/EXERCISE slugs")
        version = exercise.current_version
        if not now:
            batch = request_regrade_all(exercise)
            self.stdout.write(f"Queued regrades of {batch.total} submissions against version {version.number} "
                              f"(batch {batch.pk}: its progress shows on the staff pages).")
            return
        submissions = exercise.submissions.filter(status="graded").order_by("pk")
        for submission in submissions:
            grade = grading.regrade(submission, version)
            outcome = f"{grade.score:g}/{grade.max_score:g}" if grade else "could not be regraded (see the log)"
            self.stdout.write(f"submission {submission.pk}: {outcome}")
        self.stdout.write(f"Regraded {len(submissions)} submissions against version {version.number}.")
