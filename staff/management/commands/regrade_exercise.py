from django.core.management.base import BaseCommand, CommandError

from grader import grading, jobs
from grader.models import Exercise


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
        submissions = exercise.submissions.filter(status="graded").order_by("pk")
        version = exercise.current_version
        for submission in submissions:
            if now:
                grade = grading.regrade(submission, version)
                outcome = f"{grade.score:g}/{grade.max_score:g}" if grade else "could not be regraded (see the log)"
                self.stdout.write(f"submission {submission.pk}: {outcome}")
            else:
                jobs.regrade_submission_task.apply_async((submission.pk, version.pk), queue=exercise.queue)
        verb = "Regraded" if now else "Queued regrades of"
        self.stdout.write(f"{verb} {submissions.count()} submissions against version {version.number}.")
