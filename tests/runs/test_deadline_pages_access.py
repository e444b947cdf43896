"""A run's deadlines, groups and extensions pages and their POSTs are for the course's
instructors and admins: a student, another course's instructor and the run's teaching assistant
get 403 (nothing changed, nothing audited), visitors go to log in."""

from datetime import timedelta

from grader.models import AuditEntry
from runs.models import DueDate, Extension, StudentGroup
from tests.runs.base import DEADLINE, RunTestCase


class DeadlinePagesAccessTestCase(RunTestCase):
    def setUp(self):
        super().setUp()
        self.group = StudentGroup.objects.create(run=self.run, name="Lab A")
        self.group.members.add(self.alice)
        self.extension = self.extend(DEADLINE + timedelta(days=2), student=self.alice)
        base = f"/staff/runs/{self.run.pk}"
        self.pages = [f"{base}/deadlines/", f"{base}/groups/", f"{base}/extensions/"]
        later = {"due_at": "2027-03-09T12:00"}
        self.posts = [
            (f"{base}/deadlines/exercise-{self.exercise.pk}/", later),
            (f"{base}/groups/new/", {"name": "Lab B", "members": [self.bob.pk]}),
            (f"{base}/groups/{self.group.pk}/", {"name": "Lab C", "members": [self.bob.pk]}),
            (f"{base}/extensions/new/", {"student": self.bob.pk, "item": f"exercise-{self.exercise.pk}",
                                         "due_at": "2027-03-10T12:00"}),
            (f"{base}/extensions/{self.extension.pk}/delete/", {}),
            (f"{base}/groups/{self.group.pk}/delete/", {}),
        ]

    def state(self):
        return (list(DueDate.objects.values()), list(StudentGroup.objects.values()),
                list(StudentGroup.members.through.objects.values()), list(Extension.objects.values()),
                list(AuditEntry.objects.values()))

    def test_the_pages_are_for_the_courses_instructors_and_admins(self):
        for url in self.pages:
            self.assert_staff_only(url, also_refused=[self.tom])

    def test_others_change_nothing(self):
        before = self.state()
        for user in (self.alice, self.oscar, self.tom):
            self.login(user)
            for url, data in self.posts:
                self.assertEqual(self.client.post(url, data).status_code, 403, f"{user} on {url}")
        self.assertEqual(self.state(), before)

    def test_visitors_are_sent_to_log_in(self):
        before = self.state()
        for url in self.pages + [url for url, _ in self.posts]:
            response = self.client.post(url) if url not in self.pages else self.client.get(url)
            self.assertRedirects(response, f"/accounts/login/?next={url}", fetch_redirect_response=False)
        self.assertEqual(self.state(), before)

    def test_the_courses_instructor_and_an_admin_change_things(self):
        # The same POSTs as above, by the right people: the refusals are not broken requests.
        for user, posts in ((self.ian, self.posts[:3]), (self.ada, self.posts[3:])):
            self.login(user)
            for url, data in posts:
                self.assertEqual(self.client.post(url, data).status_code, 302, f"{user} on {url}")
        self.assertEqual(list(StudentGroup.objects.values_list("name", flat=True)), ["Lab B"])
        self.assertEqual(DueDate.objects.get().due_at, DEADLINE + timedelta(days=8))
        self.assertEqual(list(Extension.objects.values_list("student", flat=True)), [self.bob.pk])
        self.assertEqual(AuditEntry.objects.count(), 3)  # a due date, an extension granted, one removed
