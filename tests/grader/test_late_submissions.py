"""Submitting in a course run: the student's own deadline (extensions included), the run's late
policy (refuse, or take late work until a cut-off with a penalty), and who may submit at all."""

from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone

from grader.models import CheckResult, Grade, Submission
from runs.models import CourseRun, Enrollment, Extension, StudentGroup
from tests.base import BaseTestCase
from tests.grader.factories import OUTER_SOLUTION, make_exercise


class LateSubmissionTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()  # the reference pool's refill throttle
        self.exercise = make_exercise(self.chapter)
        self.url = "/courses/torch-101/tensors/exercises/outer/"
        self.run = self.course.runs.get(slug="open")
        self.login(self.alice)

    def due(self, hours_from_now, **policy):
        self.exercise.deadline = timezone.now() + timedelta(hours=hours_from_now)
        self.exercise.save()
        CourseRun.objects.filter(pk=self.run.pk).update(**policy)

    def submit(self):
        with self.captureOnCommitCallbacks(execute=False):
            return self.client.post(self.url, {"code": OUTER_SOLUTION})

    def grade(self, submission, score):
        Grade.objects.create(submission=submission, request=f"submit:{submission.pk}", score=score, max_score=6,
                             seed=submission.seed, torch_version="2.13.0", device="cpu", sandbox_status="ok",
                             version=submission.version)
        CheckResult.objects.create(grade=Grade.objects.get(submission=submission), position=0, name="values",
                                   kind="value", passed=True, points=score, max_points=6)
        Submission.objects.filter(pk=submission.pk).update(status="graded")

    def test_a_first_submission_joins_the_open_run(self):
        self.submit()
        self.assertTrue(Enrollment.objects.filter(run=self.run, user=self.alice, role="student").exists())

    def test_a_closed_course_refuses_students_not_on_its_roster(self):
        CourseRun.objects.filter(pk=self.run.pk).update(open_to_all=False)
        response = self.submit()
        self.assertContains(response, "You are not on the roster of Torch 101", status_code=400)
        self.assertFalse(Submission.objects.exists())
        self.assertFalse(Enrollment.objects.exists())

    def test_a_rostered_student_of_a_closed_run_submits(self):
        spring = CourseRun.objects.create(course=self.course, slug="spring", title="Spring 2027")
        Enrollment.objects.create(run=spring, user=self.alice)
        CourseRun.objects.filter(pk=self.run.pk).update(open_to_all=False)
        self.submit()
        self.assertEqual(Submission.objects.get().user, self.alice)

    def test_refuse_policy_refuses_after_the_deadline(self):
        self.due(-1, late_policy="refuse")
        self.assertContains(self.submit(), "has passed", status_code=400)
        self.assertFalse(Submission.objects.exists())

    def test_late_work_is_taken_until_the_cut_off_and_loses_its_penalty(self):
        self.due(-30, late_policy="penalty", late_penalty_percent=10, late_penalty_unit="day", late_cutoff_hours=72)
        self.submit()
        submission = Submission.objects.get()
        self.grade(submission, 6)
        page = self.client.get(f"/submissions/{submission.pk}/")
        # 30 hours late: two days begun, 20% off 6 points.
        self.assertContains(page, "raw score 6, late penalty 20%, final score <strong>4.80</strong>")

    def test_nothing_is_taken_after_the_cut_off(self):
        self.due(-80, late_policy="penalty", late_penalty_percent=10, late_penalty_unit="day", late_cutoff_hours=72)
        self.assertContains(self.submit(), "the cut-off for late work", status_code=400)

    def test_the_page_shows_the_students_deadline_and_policy_before_they_submit(self):
        self.due(5, late_policy="penalty", late_penalty_percent=5, late_penalty_unit="hour", late_cutoff_hours=24)
        page = self.client.get(self.url)
        self.assertContains(page, 'id="due"')
        self.assertContains(page, "loses 5% of the points per hour")
        self.assertNotContains(page, "extended for you")

    def test_an_extension_lets_one_student_submit_on_time(self):
        self.due(-2, late_policy="refuse")
        Extension.objects.create(run=self.run, exercise=self.exercise, student=self.alice,
                                 due_at=timezone.now() + timedelta(days=1))
        self.assertContains(self.client.get(self.url), "extended for you")
        self.submit()
        submission = Submission.objects.get()
        self.grade(submission, 6)
        self.assertNotContains(self.client.get(f"/submissions/{submission.pk}/"), "late penalty")
        self.login(self.bob)
        self.assertContains(self.submit(), "has passed", status_code=400)

    def test_a_group_extension_reaches_its_members(self):
        self.due(-2, late_policy="refuse")
        Enrollment.objects.create(run=self.run, user=self.bob)
        group = StudentGroup.objects.create(run=self.run, name="Lab B")
        group.members.add(self.bob)
        Extension.objects.create(run=self.run, exercise=self.exercise, group=group,
                                 due_at=timezone.now() + timedelta(days=1))
        self.login(self.bob)
        self.submit()
        self.assertEqual(Submission.objects.get().user, self.bob)
        self.login(self.alice)
        self.assertContains(self.submit(), "has passed", status_code=400)

    def test_the_courses_instructor_tries_the_exercise_outside_any_run(self):
        self.due(-2, late_policy="refuse")
        CourseRun.objects.filter(pk=self.run.pk).update(open_to_all=False)
        self.login(self.ian)
        self.submit()
        self.assertEqual(Submission.objects.get().user, self.ian)
        self.assertFalse(Enrollment.objects.exists())
