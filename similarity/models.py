"""Similarity reports: the pairs of students' final submissions of one exercise, in one run, whose
code is most alike, for staff to look at.

A report is background work (similarity.tasks on the background CPU queue, never a grading worker);
the comparison itself is similarity.report, which only tokenises the code (copydetect), never runs
it. Submissions are untrusted text, HTML-wise too: SimilarPair.sides escapes every piece of code it
marks up. A pair is a signal for a human, not evidence: starter code, small exercises and common
idioms make honest solutions alike.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from grader.models import Exercise, Submission
from runs.models import CourseRun
from torchgrade.queues import background_queue

from . import jobs

# A pair counts from this similarity up; a report keeps the MAX_PAIRS most similar.
SIMILARITY_FLOOR = 0.2
MAX_PAIRS = 200
# A report still pending after this long has lost its task (a worker gone mid-run): it no longer
# keeps anyone from asking for a new one.
STALE_AFTER = timedelta(hours=1)


class ReportRunning(Exception):
    """A report of the same exercise and run is being computed."""


class SimilarityReport(models.Model):
    PENDING, DONE, FAILED = "pending", "done", "failed"
    STATUSES = [(PENDING, "pending"), (DONE, "done"), (FAILED, "failed")]

    exercise = models.ForeignKey(Exercise, models.CASCADE, related_name="similarity_reports")
    run = models.ForeignKey(CourseRun, models.CASCADE, related_name="similarity_reports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True)
    status = models.CharField(max_length=8, choices=STATUSES, default=PENDING)
    submissions_compared = models.PositiveIntegerField(null=True)  # known once done
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"similarity of {self.exercise} in {self.run}"

    @classmethod
    def request(cls, exercise: Exercise, run: CourseRun, actor=None) -> "SimilarityReport":
        """Compare the run's final submissions of `exercise` in the background; ReportRunning while
        a report of them is being computed."""
        with transaction.atomic():
            # Two staff pressing the button at once make one report, not two.
            CourseRun.objects.select_for_update().filter(pk=run.pk).first()
            running = cls.objects.filter(exercise=exercise, run=run, status=cls.PENDING,
                                         created_at__gt=timezone.now() - STALE_AFTER)
            if running.exists():
                raise ReportRunning("A comparison of these submissions is running already: wait for it to finish.")
            report = cls.objects.create(exercise=exercise, run=run, requested_by=actor)
            transaction.on_commit(report.send)
        return report

    def send(self) -> None:
        jobs.compare_submissions_task.apply_async((self.pk,), queue=background_queue("cpu"),
                                                  priority=settings.GRADER_BACKGROUND_PRIORITY)

    @property
    def is_running(self) -> bool:
        return self.status == self.PENDING and self.created_at > timezone.now() - STALE_AFTER

    @property
    def is_lost(self) -> bool:
        return self.status == self.PENDING and not self.is_running

    def finish(self, compared: int, matches) -> None:
        """Store the pairs found (similarity.report.Match) among `compared` final submissions."""
        with transaction.atomic():
            SimilarPair.objects.bulk_create(SimilarPair(
                report=self, first=match.first, second=match.second, similarity=match.similarity,
                token_overlap=match.token_overlap, first_regions=match.first_regions,
                second_regions=match.second_regions) for match in matches)
            self.status, self.submissions_compared, self.finished_at = self.DONE, compared, timezone.now()
            self.save(update_fields=["status", "submissions_compared", "finished_at"])

    def fail(self, error: str) -> None:
        self.status, self.error, self.finished_at = self.FAILED, error, timezone.now()
        self.save(update_fields=["status", "error", "finished_at"])


def highlighted(code: str, regions: list[list[int]]) -> SafeString:
    """`code`, HTML-escaped, with each region ([start, end) character offsets, in order, apart) in <mark>."""
    pieces, done = [], 0
    for start, end in regions:
        pieces += [escape(code[done:start]), format_html("<mark>{}</mark>", code[start:end])]
        done = end
    pieces.append(escape(code[done:]))
    return mark_safe("".join(pieces))


class SimilarPair(models.Model):
    report = models.ForeignKey(SimilarityReport, models.CASCADE, related_name="pairs")
    first = models.ForeignKey(Submission, models.CASCADE, related_name="+")
    second = models.ForeignKey(Submission, models.CASCADE, related_name="+")
    similarity = models.FloatField()  # 0..1: the larger share of either's fingerprints found in the other
    token_overlap = models.PositiveIntegerField()
    # [[start, end], ...]: the characters of each submission's code that match the other's
    first_regions = models.JSONField(default=list)
    second_regions = models.JSONField(default=list)

    class Meta:
        ordering = ["-similarity", "-token_overlap", "pk"]

    def __str__(self):
        return f"submissions {self.first_id} and {self.second_id}: {self.similarity:.0%}"

    def sides(self) -> list[tuple[Submission, SafeString]]:
        """Each submission with its code as HTML, the matching regions marked."""
        return [(self.first, highlighted(self.first.code, self.first_regions)),
                (self.second, highlighted(self.second.code, self.second_regions))]
