"""Every runs page and action is for the course's instructors and admins: a student, another
course's instructor and a teaching assistant of the run get 403 and change nothing; visitors are
sent to log in."""

from django.core.files.uploadedfile import SimpleUploadedFile

from grader.models import AuditEntry
from runs.models import CourseRun, Enrollment
from tests.runs.base import RosterTestCase


class RunPagesAccessTestCase(RosterTestCase):
    def setUp(self):
        super().setUp()
        self.pages = ["/staff/courses/torch-101/runs/", self.url, f"{self.url}settings/"]

    def actions(self) -> dict:
        """Each POST with its data (a new upload each time: a posted file is read to its end)."""
        return {
            "/staff/courses/torch-101/runs/": {"title": "New", "slug": "new"},
            f"{self.url}settings/": {"title": "Taken over", "late_policy": "refuse", "late_penalty_percent": "1",
                                     "late_penalty_unit": "day", "late_cutoff_hours": "1"},
            f"{self.url}new-code/": {},
            f"{self.url}roster/{self.enrollment.pk}/remove/": {},
            f"{self.url}roster/import/": {"roster": SimpleUploadedFile("r.csv", b"bob\n")},
        }

    def state(self):
        return (list(CourseRun.objects.values()), list(Enrollment.objects.values()), AuditEntry.objects.count())

    def test_the_pages_are_for_the_courses_instructors_and_admins(self):
        for url in self.pages:
            self.assert_staff_only(url, also_refused=[self.tara])

    def test_others_change_nothing(self):
        before = self.state()
        for user in (self.alice, self.oscar, self.tara):
            self.login(user)
            for url, data in self.actions().items():
                self.assertEqual(self.client.post(url, data).status_code, 403, f"{user} on {url}")
        self.assertEqual(self.state(), before)

    def test_an_admin_may_do_all_of_it(self):
        # The same posts as above, by the right person: the refusals are not broken posts.
        self.login(self.ada)
        for url, data in self.actions().items():
            self.assertEqual(self.client.post(url, data).status_code, 302, url)
        self.run.refresh_from_db()
        self.assertEqual(self.run.title, "Taken over")
        self.assertNotEqual(self.run.join_code, "SPRNG27X")
        self.assertTrue(self.course.runs.filter(slug="new").exists())
        self.assertEqual(set(self.run.enrollments.values_list("user__username", flat=True)), {"bob", "tara"})

    def test_visitors_are_sent_to_log_in(self):
        before = self.state()
        for url in [*self.pages, *self.actions()]:
            for response in (self.client.get(url), self.client.post(url, self.actions().get(url, {}))):
                self.assertRedirects(response, f"/accounts/login/?next={url}", fetch_redirect_response=False)
        self.assertEqual(self.state(), before)
