"""A course's runs page (the list and a new run) and a run's settings, whose late policy changes
are audited."""

from datetime import date

from grader.models import AuditEntry
from runs.late import DAY, HOUR, PENALTY, REFUSE, LatePolicy
from runs.models import CourseRun
from tests.runs.base import RosterTestCase


class CourseRunsTestCase(RosterTestCase):
    def setUp(self):
        super().setUp()
        self.login(self.ian)
        self.url = "/staff/courses/torch-101/runs/"

    def test_it_lists_the_runs_with_their_counts(self):
        CourseRun.objects.filter(pk=self.run.pk).update(starts_on=date(2027, 2, 1))
        response = self.client.get(self.url)
        runs = {run.slug: (run.student_count, run.ta_count) for run in response.context["runs"]}
        self.assertEqual(runs, {"open": (0, 0), "spring": (1, 1)})
        self.assertContains(response, "Mon 01 Feb 2027")
        self.assertContains(response, '<span class="badge ok">open</span>', count=1, html=True)
        self.assertContains(response, f'href="/staff/runs/{self.run.pk}/"')
        self.assertNotContains(response, "Other course")

    def test_it_creates_a_run(self):
        response = self.client.post(self.url, {"title": "Fall 2027", "slug": "fall-2027", "starts_on": "2027-09-01",
                                               "ends_on": "2027-12-20"})
        run = CourseRun.objects.get(slug="fall-2027")
        self.assertRedirects(response, f"/staff/runs/{run.pk}/", fetch_redirect_response=False)
        self.assertEqual((run.course, run.title, run.starts_on, run.open_to_all),
                         (self.course, "Fall 2027", date(2027, 9, 1), False))

    def test_a_slug_is_unique_within_the_course_only(self):
        response = self.client.post(self.url, {"title": "Again", "slug": "spring"})
        self.assertContains(response, "This course already has a run with this slug.", status_code=400)
        CourseRun.objects.create(course=self.other_course, slug="fall", title="Fall")
        self.client.post(self.url, {"title": "Fall", "slug": "fall"})
        self.assertTrue(self.course.runs.filter(slug="fall").exists())

    def test_a_run_cannot_end_before_it_starts(self):
        response = self.client.post(self.url, {"title": "Odd", "slug": "odd", "starts_on": "2027-09-01",
                                               "ends_on": "2027-08-01"})
        self.assertContains(response, "A run cannot end before it starts.", status_code=400)
        self.assertFalse(CourseRun.objects.filter(slug="odd").exists())


class RunSettingsTestCase(RosterTestCase):
    def setUp(self):
        super().setUp()
        self.login(self.ian)
        self.url = f"/staff/runs/{self.run.pk}/settings/"
        self.data = {"title": "Spring 2027", "late_policy": REFUSE, "late_penalty_percent": "10",
                     "late_penalty_unit": DAY, "late_cutoff_hours": "72", "joining_enabled": "on"}

    def test_it_shows_the_current_late_policy(self):
        self.assertContains(self.client.get(self.url), "The run's late policy now: " + LatePolicy().describe())

    def test_it_saves_the_settings_without_an_audit_entry_when_the_policy_stays(self):
        response = self.client.post(self.url, {**self.data, "title": "Spring 2027 (B)", "joining_enabled": ""})
        self.assertRedirects(response, self.url)
        self.run.refresh_from_db()
        self.assertEqual((self.run.title, self.run.joining_enabled), ("Spring 2027 (B)", False))
        self.assertFalse(AuditEntry.objects.exists())

    def test_a_new_late_policy_is_audited(self):
        self.client.post(self.url, {**self.data, "late_policy": PENALTY, "late_penalty_percent": "5",
                                    "late_penalty_unit": HOUR, "late_cutoff_hours": "12"})
        self.run.refresh_from_db()
        self.assertEqual(self.run.policy, LatePolicy(PENALTY, 5, HOUR, 12))
        entry = AuditEntry.objects.get()
        self.assertEqual((entry.actor, entry.action, entry.course), (self.ian, AuditEntry.DUE_DATE, self.course))
        self.assertEqual(entry.subject, "late policy of Spring 2027")
        self.assertEqual((entry.before, entry.after), (LatePolicy().describe()[:100],
                                                       LatePolicy(PENALTY, 5, HOUR, 12).describe()[:100]))

    def test_it_refuses_a_penalty_over_100_percent(self):
        response = self.client.post(self.url, {**self.data, "title": "Changed", "late_penalty_percent": "150"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "<h1>Settings <span", status_code=400)
        self.assertContains(response, "Spring 2027</span>", status_code=400)  # the saved title, not the posted one
        self.run.refresh_from_db()
        self.assertEqual((self.run.title, self.run.late_penalty_percent), ("Spring 2027", 10))

    def test_it_refuses_late_work_without_a_cut_off(self):
        response = self.client.post(self.url, {**self.data, "late_policy": PENALTY, "late_cutoff_hours": "0"})
        self.assertContains(response, "Late work needs a cut-off", status_code=400)
        self.run.refresh_from_db()
        self.assertEqual(self.run.late_policy, REFUSE)
