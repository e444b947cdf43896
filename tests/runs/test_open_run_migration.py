"""Courses made before runs existed migrate into one open run each, with everyone who handed in
work on its roster, and no grade lost (runs/migrations/0002, its data step run on today's tables:
unapplying the runs app would unapply every app that builds on it)."""

from importlib import import_module

from django.apps import apps
from django.contrib.auth.models import User

from courses.models import Chapter, Course, InterviewAnswer, QuizAttempt
from grader.models import Grade, Submission
from runs.models import CourseRun, Enrollment
from tests.base import BaseTestCase, make_chapter
from tests.grader.factories import make_exercise

open_runs = import_module("runs.migrations.0002_every_course_gets_an_open_run").open_runs


class OpenRunMigrationTestCase(BaseTestCase):
    def test_existing_work_lands_in_one_open_run_per_course(self):
        course = Course.objects.create(slug="old", title="Old course")
        course.instructors.add(self.ian)
        exercise = make_exercise(make_chapter(course, "tensors", 1))
        chapter = Chapter.objects.get(course=course, slug="tensors")
        eve = User.objects.create_user("eve")
        for user, score in ((self.alice, 4), (self.ian, 6)):
            submission = Submission.objects.create(user=user, exercise=exercise, code="x", status="graded",
                                                   version=exercise.current_version)
            Grade.objects.create(submission=submission, request=f"submit:{submission.pk}", score=score,
                                 max_score=6, seed=1, torch_version="2.13.0", device="cpu", sandbox_status="ok",
                                 version=exercise.current_version)
        QuizAttempt.objects.create(user=self.bob, chapter=chapter, score=1, max_score=2)
        InterviewAnswer.objects.create(user=self.oscar, question=chapter.interview_questions.get(), text="mine")
        CourseRun.objects.all().delete()  # as before runs existed
        grades = sorted(Grade.objects.values_list("submission_id", "score"))

        open_runs(apps, None)

        run = CourseRun.objects.get(course=course)
        self.assertEqual((run.slug, run.open_to_all), ("open", True))
        self.assertEqual(list(run.students().values_list("username", flat=True)), ["alice", "bob", "oscar"])
        self.assertFalse(Enrollment.objects.filter(user__in=[self.ian, eve]).exists())
        self.assertEqual(CourseRun.objects.count(), Course.objects.count())
        self.assertEqual(sorted(Grade.objects.values_list("submission_id", "score")), grades)
        self.assertEqual(QuizAttempt.objects.get().score, 1)

    def test_running_it_twice_changes_nothing(self):
        self.course.runs.all().delete()
        open_runs(apps, None)
        open_runs(apps, None)
        self.assertEqual(self.course.runs.count(), 1)
