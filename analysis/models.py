"""Mutation analyses of exercise versions (judging.mutation), stored with the version they analysed.

An analysis is background work: it runs on the background queue of the exercise's kind, a chunk of
mutants per task, so validations and pool fills interleave with it and students' gradings, on their
own workers, never wait for it. Each chunk's verdicts are added as they come, so a page shows how far
it is, and a worker lost mid-chunk loses only that chunk (the task is acknowledged late and runs again).
"""

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from grader.models import Exercise, ExerciseVersion
from judging.mutants import MutantVerdict, MutationReport
from torchgrade.queues import background_queue

from . import jobs


class MutationAnalysis(models.Model):
    PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"

    version = models.ForeignKey(ExerciseVersion, models.CASCADE, related_name="mutation_analyses")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True)
    status = models.CharField(max_length=8, default=PENDING)
    seeds = models.JSONField(default=list)  # empty until the first chunk runs: then the self-tests' seeds
    mutant_count = models.PositiveIntegerField(null=True)  # known once the first chunk has run
    verdicts = models.JSONField(default=list)  # MutantVerdict.to_json() of the mutants graded so far
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "mutation analyses"

    def __str__(self):
        return f"mutation analysis of {self.version}"

    @classmethod
    def request(cls, exercise: Exercise, actor=None) -> "MutationAnalysis":
        """Analyse the exercise's current version in the background (a worker of its background queue)."""
        analysis = cls.objects.create(version=exercise.current_version, requested_by=actor)
        transaction.on_commit(lambda: analysis.send())
        return analysis

    def send(self) -> None:
        jobs.analyse_mutants_task.apply_async((self.pk,), queue=background_queue(self.version.exercise.queue),
                                              priority=settings.GRADER_BACKGROUND_PRIORITY)

    @property
    def report(self) -> MutationReport:
        return MutationReport(tuple(map(MutantVerdict.from_json, self.verdicts)), tuple(self.seeds))

    @property
    def graded_keys(self) -> set[str]:
        return {MutantVerdict.from_json(verdict).mutant.key for verdict in self.verdicts}

    def add(self, verdicts, mutant_count: int, seeds: list[int]) -> None:
        """Store a chunk's verdicts, graded on `seeds`; the analysis is done once every mutant has one."""
        self.seeds = seeds
        self.verdicts = self.verdicts + [verdict.to_json() for verdict in verdicts]
        self.mutant_count = mutant_count
        self.status = self.DONE if len(self.verdicts) >= mutant_count else self.RUNNING
        if self.status == self.DONE:
            self.finished_at = timezone.now()
        self.save(update_fields=["seeds", "verdicts", "mutant_count", "status", "finished_at"])

    def fail(self, error: str) -> None:
        self.status, self.error, self.finished_at = self.FAILED, error, timezone.now()
        self.save(update_fields=["status", "error", "finished_at"])
