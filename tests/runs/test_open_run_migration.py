"""Courses made before runs existed migrate into one open run each, with everyone who handed in
work on its roster, and no grade lost."""

from django.contrib.auth.models import User
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase

from courses.models import Chapter, Course, QuizAttempt
from grader.models import Grade, Submission
from runs.models import CourseRun, Enrollment
from tests.base import make_chapter
from tests.grader.factories import make_exercise


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


class OpenRunMigrationTestCase(TransactionTestCase):
    def test_existing_work_lands_in_one_open_run_per_course(self):
        executor = migrate([("runs", None)])
        leaves = executor.loader.graph.leaf_nodes()
        # The course as it was made before runs: no signal gives it a run (the historical model).
        old_course = executor.loader.project_state([("courses", "0002_quiz_policy_and_chapter_facts")]).apps \
            .get_model("courses", "Course").objects.create(slug="old", title="Old course")
        course = Course.objects.get(pk=old_course.pk)
        ian, alice, bob, eve = (User.objects.create_user(name) for name in ("ian", "alice", "bob", "eve"))
        course.instructors.add(ian)
        exercise = make_exercise(make_chapter(course, "tensors", 1))
        chapter = Chapter.objects.get(course=course, slug="tensors")
        for user, score in ((alice, 4), (ian, 6)):
            submission = Submission.objects.create(user=user, exercise=exercise, code="x", status="graded",
                                                   version=exercise.current_version)
            Grade.objects.create(submission=submission, request=f"submit:{submission.pk}", score=score,
                                 max_score=6, seed=1, torch_version="2.13.0", device="cpu", sandbox_status="ok",
                                 version=exercise.current_version)
        QuizAttempt.objects.create(user=bob, chapter=chapter, score=1, max_score=2)

        migrate(leaves)

        run = CourseRun.objects.get(course=course)
        self.assertEqual((run.slug, run.open_to_all), ("open", True))
        self.assertEqual(list(run.students().values_list("username", flat=True)), ["alice", "bob"])
        self.assertFalse(Enrollment.objects.filter(user__in=[ian, eve]).exists())
        self.assertEqual(sorted(Grade.objects.values_list("score", flat=True)), [4, 6])
        self.assertEqual(QuizAttempt.objects.get().score, 1)
