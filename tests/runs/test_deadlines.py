"""The run's deadlines page: every exercise and quiz of the course with its deadlines, and one
POST per item that sets the run's due date and the item's own late policy, audited."""

from datetime import datetime, timedelta, timezone as dt_timezone

from grader.models import AuditEntry
from runs.late import HOUR, PENALTY, LatePolicy
from runs.models import DueDate
from tests.grader.factories import make_exercise
from tests.runs.base import DEADLINE, RunTestCase


class DeadlinesTestCase(RunTestCase):
    def setUp(self):
        super().setUp()
        self.login(self.ian)
        self.url = f"/staff/runs/{self.run.pk}/deadlines/"

    def post(self, item, **data):
        return self.client.post(f"{self.url}{item}/", data)

    def test_it_lists_exercises_and_quizzes_in_course_order(self):
        later = make_exercise(self.chapter2, slug="later")
        make_exercise(self.chapter, slug="gone", retired=True)
        self.chapter2.questions.update(retired=True)  # chapter 2 has no quiz left
        response = self.client.get(self.url)
        keys = [row["item"].key for row in response.context["rows"]]
        self.assertEqual(keys, [f"exercise-{self.exercise.pk}", f"quiz-{self.chapter.pk}", f"exercise-{later.pk}",
                                f"quiz-{self.draft.pk}"])

    def test_it_shows_the_course_deadline_the_runs_due_date_and_the_policy(self):
        DueDate.objects.create(run=self.run, exercise=self.exercise, due_at=DEADLINE + timedelta(days=1),
                               own_late_policy=True, late_policy=PENALTY, late_penalty_percent=5,
                               late_penalty_unit=HOUR, late_cutoff_hours=12)
        response = self.client.get(self.url)
        self.assertContains(response, "Mon 01 Mar 2027, 12:00 UTC")
        self.assertContains(response, "Tue 02 Mar 2027, 12:00 UTC")
        self.assertContains(response, LatePolicy(PENALTY, 5, HOUR, 12).describe())
        self.assertContains(response, "the course's</span>")  # the quizzes have no due date in the run

    def test_it_sets_a_due_date_read_in_the_instructors_time_zone(self):
        self.client.cookies["tz"] = "Europe/Paris"
        response = self.post(f"exercise-{self.exercise.pk}", due_at="2027-03-08T09:30")
        self.assertRedirects(response, self.url, fetch_redirect_response=False)
        due = DueDate.objects.get(run=self.run, exercise=self.exercise)
        self.assertEqual(due.due_at, datetime(2027, 3, 8, 8, 30, tzinfo=dt_timezone.utc))
        self.assertFalse(due.own_late_policy)

    def test_it_audits_the_change_with_the_due_time_and_the_policy(self):
        self.post(f"exercise-{self.exercise.pk}", due_at="2027-03-08T09:30", own_late_policy="on",
                  late_policy=PENALTY, late_penalty_percent="5", late_penalty_unit=HOUR, late_cutoff_hours="12")
        entry = AuditEntry.objects.get()
        self.assertEqual((entry.actor, entry.action, entry.course), (self.ian, AuditEntry.DUE_DATE, self.course))
        self.assertEqual(entry.subject, "Outer product in Spring 2027")
        self.assertEqual(entry.before, "Mon 01 Mar 2027, 12:00 UTC; no late work")
        self.assertEqual(entry.after, "Mon 08 Mar 2027, 09:30 UTC; late work -5%/hour until +12 h")

    def test_it_changes_an_existing_due_date(self):
        DueDate.objects.create(run=self.run, exercise=self.exercise, due_at=DEADLINE + timedelta(days=1))
        self.post(f"exercise-{self.exercise.pk}", due_at="2027-03-05T12:00")
        self.assertEqual(DueDate.objects.get().due_at, datetime(2027, 3, 5, 12, tzinfo=dt_timezone.utc))

    def test_an_empty_due_date_goes_back_to_the_courses(self):
        DueDate.objects.create(run=self.run, exercise=self.exercise, due_at=DEADLINE + timedelta(days=1))
        self.post(f"exercise-{self.exercise.pk}", due_at="")
        self.assertFalse(DueDate.objects.exists())
        self.assertEqual(AuditEntry.objects.get().after, "Mon 01 Mar 2027, 12:00 UTC; no late work")

    def test_saving_without_a_change_is_not_audited(self):
        self.post(f"exercise-{self.exercise.pk}", due_at="")
        self.assertFalse(AuditEntry.objects.exists())

    def test_a_quiz_takes_a_due_date_and_no_late_policy(self):
        response = self.client.get(self.url)
        self.assertNotContains(response, f'id="id_quiz-{self.chapter.pk}_late_policy"')
        self.assertContains(response, f'id="id_exercise-{self.exercise.pk}_late_policy"')
        self.post(f"quiz-{self.chapter.pk}", due_at="2027-03-08T09:30", own_late_policy="on", late_policy=PENALTY,
                  late_penalty_percent="5", late_penalty_unit=HOUR, late_cutoff_hours="12")
        due = DueDate.objects.get(quiz=self.chapter)
        self.assertEqual(due.due_at, datetime(2027, 3, 8, 9, 30, tzinfo=dt_timezone.utc))
        self.assertFalse(due.own_late_policy)
        self.assertEqual(AuditEntry.objects.get().subject, "Quiz: Chapter tensors in Spring 2027")

    def test_late_work_needs_a_cut_off(self):
        response = self.post(f"exercise-{self.exercise.pk}", due_at="2027-03-08T09:30", own_late_policy="on",
                             late_policy=PENALTY, late_penalty_percent="5", late_penalty_unit=HOUR,
                             late_cutoff_hours="0")
        self.assertContains(response, "Late work needs a cut-off", status_code=400)
        self.assertFalse(DueDate.objects.exists())
        self.assertFalse(AuditEntry.objects.exists())

    def test_an_own_late_policy_needs_an_own_due_date(self):
        response = self.post(f"exercise-{self.exercise.pk}", due_at="", own_late_policy="on", late_policy=PENALTY,
                             late_penalty_percent="5", late_penalty_unit=HOUR, late_cutoff_hours="12")
        self.assertContains(response, "Give the item its own due date", status_code=400)
        self.assertFalse(DueDate.objects.exists())

    def test_it_refuses_a_penalty_over_100_percent_and_a_nonsense_date(self):
        response = self.post(f"exercise-{self.exercise.pk}", due_at="someday", own_late_policy="on",
                             late_policy=PENALTY, late_penalty_percent="150", late_penalty_unit=HOUR,
                             late_cutoff_hours="12")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(set(response.context["rows"][0]["form"].errors), {"due_at", "late_penalty_percent"})
        self.assertFalse(DueDate.objects.exists())

    def test_an_item_of_another_course_is_not_found(self):
        theirs = make_exercise(self.other_course.chapters.create(slug="c", position=1, title="C"), slug="theirs")
        for item in (f"exercise-{theirs.pk}", f"quiz-{theirs.chapter.pk}", "exercise-x", "essay-1"):
            self.assertEqual(self.post(item, due_at="2027-03-08T09:30").status_code, 404, item)
        self.assertFalse(DueDate.objects.exists())

    def test_a_retired_exercise_is_not_found(self):
        self.exercise.retired = True
        self.exercise.save()
        self.assertEqual(self.post(f"exercise-{self.exercise.pk}", due_at="2027-03-08T09:30").status_code, 404)

    def test_it_refuses_get(self):
        self.assertEqual(self.client.get(f"{self.url}exercise-{self.exercise.pk}/").status_code, 405)
