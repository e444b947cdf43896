"""Submissions loaded for counting their scores over a whole run (gradebook, statistics): only the
fields a score needs, each exercise version read once.

Loading a submission's version with each row parsed its exercise spec (judging.spec) once per
submission: 12,000 parses for a run of 300 students (bench/gradebook_bench.py). A run has a few
versions per exercise, so they are read once and shared; grades and overrides come without
their outputs, and submissions without their code.
"""

from django.db.models import Prefetch

from grader.models import ExerciseVersion, Grade, ScoreOverride, Submission

SUBMISSION_FIELDS = ("id", "user_id", "exercise_id", "version_id", "created_at", "status", "counts_as_attempt")


def scored_submissions(submissions, exercises) -> list[Submission]:
    """The Submission queryset `submissions`, ready for final_score, has_full_marks and
    runs.schedule: each with its version (read once for all) and its exercise (one of
    `exercises`, which must hold every submission's)."""
    exercises = {exercise.pk: exercise for exercise in exercises}
    versions = {version.pk: version for version in ExerciseVersion.objects.filter(exercise__in=list(exercises))}
    rows = list(submissions.only(*SUBMISSION_FIELDS).prefetch_related(
        Prefetch("grades", Grade.objects.only("id", "submission_id", "score", "created_at")),
        Prefetch("overrides", ScoreOverride.objects.only("id", "submission_id", "score", "created_at"))))
    for row in rows:
        row.version, row.exercise = versions[row.version_id], exercises[row.exercise_id]
    return rows
