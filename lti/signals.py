"""Grades, overrides and quiz attempts trigger the LMS passback (lti.passback), without the
grader or the quizzes knowing about LTI."""

from django.db.models.signals import post_save

from courses.models import QuizAttempt
from grader.models import Grade, ScoreOverride

from . import passback


def grade_saved(sender, instance, created, **kwargs):
    if created:
        submission = instance.submission
        passback.scores_changed(submission.user, f"grading of submission {submission.pk}", exercise=submission.exercise)


def override_saved(sender, instance, created, **kwargs):
    if created:
        submission = instance.submission
        passback.scores_changed(submission.user, f"override of submission {submission.pk}", exercise=submission.exercise)


def quiz_attempt_saved(sender, instance, created, **kwargs):
    if created:
        passback.scores_changed(instance.user, f"quiz attempt {instance.pk}", quiz=instance.chapter)


def connect() -> None:
    post_save.connect(grade_saved, sender=Grade, dispatch_uid="lti-grade")
    post_save.connect(override_saved, sender=ScoreOverride, dispatch_uid="lti-override")
    post_save.connect(quiz_attempt_saved, sender=QuizAttempt, dispatch_uid="lti-quiz-attempt")
