"""runs.schedule and runs.late: each student's deadline in a run (course deadline, run due date,
extensions for them or their groups), the late policy that applies, and what lateness costs."""

from datetime import datetime, timedelta

from django.test import SimpleTestCase

from runs.late import DAY, HOUR, PENALTY, REFUSE, LatePolicy, Window
from runs.models import DueDate, StudentGroup
from runs.schedule import QUIZ_POLICY, Schedule
from tests.runs.base import DEADLINE, RunTestCase

class DeadlineTestCase(RunTestCase):
    def test_an_item_is_due_when_the_course_says_without_a_due_date_in_the_run(self):
        self.assertEqual(self.window(), Window(DEADLINE, self.run.policy))

    def test_the_runs_due_date_replaces_the_courses_deadline(self):
        DueDate.objects.create(run=self.run, exercise=self.exercise, due_at=DEADLINE + timedelta(days=7))
        self.assertEqual(self.window().due_at, DEADLINE + timedelta(days=7))
        self.assertEqual(self.window(run=self.course.runs.get(slug="open")).due_at, DEADLINE)

    def test_a_quiz_follows_the_chapters_deadline_or_the_runs(self):
        self.chapter.quiz_deadline = DEADLINE
        self.chapter.save()
        self.assertEqual(Schedule(self.run).quiz_window(self.alice, self.chapter).due_at, DEADLINE)
        DueDate.objects.create(run=self.run, quiz=self.chapter, due_at=DEADLINE + timedelta(days=1))
        self.assertEqual(Schedule(self.run).quiz_window(self.alice, self.chapter).due_at, DEADLINE + timedelta(days=1))

    def test_an_extension_for_a_student_applies_to_them_only(self):
        self.extend(DEADLINE + timedelta(days=2), student=self.alice)
        self.assertEqual(self.window(self.alice), Window(DEADLINE + timedelta(days=2), self.run.policy, extended=True))
        self.assertEqual(self.window(self.bob), Window(DEADLINE, self.run.policy))

    def test_an_extension_for_a_group_applies_to_its_members(self):
        group = StudentGroup.objects.create(run=self.run, name="Lab A")
        group.members.add(self.bob)
        self.extend(DEADLINE + timedelta(days=3), group=group)
        self.assertEqual(self.window(self.bob).due_at, DEADLINE + timedelta(days=3))
        self.assertTrue(self.window(self.bob).extended)
        self.assertEqual(self.window(self.alice).due_at, DEADLINE)

    def test_the_latest_of_several_extensions_wins(self):
        group = StudentGroup.objects.create(run=self.run, name="Lab A")
        group.members.add(self.alice)
        self.extend(DEADLINE + timedelta(days=2), student=self.alice)
        self.extend(DEADLINE + timedelta(days=5), group=group)
        self.extend(DEADLINE + timedelta(days=1), student=self.alice)
        self.assertEqual(self.window().due_at, DEADLINE + timedelta(days=5))

    def test_an_extension_earlier_than_the_deadline_does_not_shorten_it(self):
        DueDate.objects.create(run=self.run, exercise=self.exercise, due_at=DEADLINE + timedelta(days=7))
        self.extend(DEADLINE + timedelta(days=1), student=self.alice)
        self.assertEqual(self.window(), Window(DEADLINE + timedelta(days=7), self.run.policy, extended=False))

    def test_an_extension_on_another_item_does_not_apply(self):
        self.extend(DEADLINE + timedelta(days=2), student=self.alice, quiz=self.chapter)
        self.assertEqual(self.window().due_at, DEADLINE)

    def test_a_schedule_for_some_students_reads_only_their_extensions(self):
        self.extend(DEADLINE + timedelta(days=2), student=self.alice)
        self.assertEqual(Schedule(self.run, [self.bob]).exercise_window(self.alice, self.exercise).due_at, DEADLINE)


class PolicyTestCase(RunTestCase):
    def setUp(self):
        super().setUp()
        self.run.late_policy, self.run.late_penalty_percent, self.run.late_cutoff_hours = PENALTY, 10, 48
        self.run.save()

    def test_an_item_takes_the_runs_late_policy_by_default(self):
        self.assertEqual(self.window().policy, LatePolicy(PENALTY, 10, DAY, 48))

    def test_an_items_own_late_policy_replaces_the_runs(self):
        due = DueDate.objects.create(run=self.run, exercise=self.exercise, due_at=DEADLINE, late_policy=PENALTY,
                                     late_penalty_percent=5, late_penalty_unit=HOUR, late_cutoff_hours=6)
        self.assertEqual(self.window().policy, LatePolicy(PENALTY, 10, DAY, 48), "own_late_policy is off")
        due.own_late_policy = True
        due.save()
        self.assertEqual(self.window().policy, LatePolicy(PENALTY, 5, HOUR, 6))

    def test_quizzes_refuse_late_work_whatever_the_runs_policy(self):
        self.chapter.quiz_deadline = DEADLINE
        self.chapter.save()
        window = Schedule(self.run).quiz_window(self.alice, self.chapter)
        self.assertEqual(window.policy, QUIZ_POLICY)
        self.assertEqual(window.closes_at, DEADLINE)
        self.assertTrue(window.refusal(DEADLINE + timedelta(minutes=1)))

    def test_the_cut_off_moves_with_an_extension(self):
        self.assertEqual(self.window().closes_at, DEADLINE + timedelta(hours=48))
        self.extend(DEADLINE + timedelta(days=3), student=self.alice)
        window = self.window()
        self.assertEqual(window.closes_at, DEADLINE + timedelta(days=3, hours=48))
        self.assertEqual(window.refusal(DEADLINE + timedelta(days=4)), "")
        self.assertIn("cut-off", window.refusal(DEADLINE + timedelta(days=5, minutes=1)))

    def test_the_late_score_of_a_graded_submission_takes_its_penalty(self):
        submission = self.graded(self.alice, 6)
        submission.created_at = DEADLINE + timedelta(hours=25)  # two days begun
        submission.save()
        score = Schedule(self.run).late_score(submission)
        self.assertEqual((score.raw, score.penalty_percent), (6, 20))
        self.assertAlmostEqual(score.final, 4.8)

    def test_the_late_score_counts_from_the_students_extension(self):
        submission = self.graded(self.alice, 6)
        submission.created_at = DEADLINE + timedelta(hours=25)
        submission.save()
        self.extend(DEADLINE + timedelta(days=1), student=self.alice)
        self.assertEqual(Schedule(self.run).late_score(submission).penalty_percent, 10)

    def test_a_submission_without_a_grade_has_no_late_score(self):
        submission = self.graded(self.alice, 6)
        submission.grades.all().delete()
        submission.refresh_from_db()
        self.assertIsNone(Schedule(self.run).late_score(submission))


class LatePolicyTestCase(SimpleTestCase):
    def test_work_on_time_loses_nothing(self):
        policy = LatePolicy(PENALTY, 10, HOUR, 24)
        self.assertEqual(policy.penalty(timedelta(0)), 0)
        self.assertEqual(policy.penalty(-timedelta(hours=3)), 0)
        self.assertEqual(Window(DEADLINE, policy).penalty_at(DEADLINE), 0)

    def test_the_penalty_counts_each_hour_begun(self):
        policy = LatePolicy(PENALTY, 10, HOUR, 24)
        self.assertEqual(policy.penalty(timedelta(seconds=1)), 10)
        self.assertEqual(policy.penalty(timedelta(hours=1)), 10)
        self.assertEqual(policy.penalty(timedelta(hours=1, seconds=1)), 20)

    def test_the_penalty_counts_each_day_begun(self):
        policy = LatePolicy(PENALTY, 15, DAY, 72)
        self.assertEqual(policy.penalty(timedelta(hours=23)), 15)
        self.assertEqual(policy.penalty(timedelta(days=2, minutes=1)), 45)

    def test_the_penalty_stops_at_everything(self):
        self.assertEqual(LatePolicy(PENALTY, 40, DAY, 240).penalty(timedelta(days=9)), 100)

    def test_a_refusing_policy_takes_no_late_work(self):
        window = Window(DEADLINE, LatePolicy(REFUSE, 10, DAY, 72))
        self.assertEqual(window.closes_at, DEADLINE)
        self.assertEqual(window.refusal(DEADLINE), "")
        self.assertIn("has passed", window.refusal(DEADLINE + timedelta(seconds=1)))

    def test_a_penalty_without_a_cut_off_takes_no_late_work(self):
        self.assertFalse(LatePolicy(PENALTY, 10, DAY, 0).accepts_late_work)

    def test_a_policy_refuses_impossible_values(self):
        for args in (("sometimes",), (PENALTY, 101), (PENALTY, 10, "week"), (PENALTY, 10, DAY, -1)):
            with self.assertRaises(ValueError, msg=args):
                LatePolicy(*args)

    def test_a_deadline_needs_a_time_zone(self):
        with self.assertRaises(ValueError):
            Window(datetime(2027, 3, 1, 12, 0))

    def test_without_a_deadline_nothing_is_late(self):
        window = Window(None, LatePolicy(PENALTY, 10, DAY, 72))
        self.assertEqual((window.closes_at, window.refusal(DEADLINE), window.penalty_at(DEADLINE)), (None, "", 0))
        self.assertFalse(window.is_late(DEADLINE))
