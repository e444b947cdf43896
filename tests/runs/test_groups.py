"""A run's student groups: create one among the run's students, change its members, delete it."""

from runs.models import CourseRun, Enrollment, Extension, StudentGroup
from tests.runs.base import DEADLINE, RunTestCase


class GroupsTestCase(RunTestCase):
    def setUp(self):
        super().setUp()
        self.login(self.ian)
        self.url = f"/staff/runs/{self.run.pk}/groups/"

    def test_it_offers_the_runs_students_only(self):
        response = self.client.get(self.url)
        members = response.context["new_form"].fields["members"]
        self.assertEqual(list(members.queryset), [self.alice, self.bob])  # not tom, the TA

    def test_it_creates_a_group(self):
        response = self.client.post(f"{self.url}new/", {"name": "Lab A", "members": [self.alice.pk, self.bob.pk]})
        self.assertRedirects(response, self.url, fetch_redirect_response=False)
        group = StudentGroup.objects.get(run=self.run)
        self.assertEqual((group.name, set(group.members.all())), ("Lab A", {self.alice, self.bob}))
        self.assertContains(self.client.get(self.url), "alice, bob")

    def test_a_member_must_be_a_student_of_the_run(self):
        other = CourseRun.objects.create(course=self.course, slug="autumn", title="Autumn")
        Enrollment.objects.create(run=other, user=self.oscar)
        for user in (self.oscar, self.tom):
            response = self.client.post(f"{self.url}new/", {"name": "Lab A", "members": [self.alice.pk, user.pk]})
            self.assertContains(response, "That is not a student of this run.", status_code=400)
        self.assertFalse(StudentGroup.objects.exists())

    def test_a_name_is_needed_and_unique_in_the_run(self):
        StudentGroup.objects.create(run=self.run, name="Lab A")
        response = self.client.post(f"{self.url}new/", {"name": "lab a"})
        self.assertContains(response, "already has a group named", status_code=400)
        self.assertEqual(self.client.post(f"{self.url}new/", {"name": ""}).status_code, 400)
        self.assertEqual(StudentGroup.objects.count(), 1)

    def test_it_changes_a_groups_members(self):
        group = StudentGroup.objects.create(run=self.run, name="Lab A")
        group.members.add(self.alice)
        response = self.client.post(f"{self.url}{group.pk}/", {"name": "Lab B", "members": [self.bob.pk]})
        self.assertRedirects(response, self.url, fetch_redirect_response=False)
        group.refresh_from_db()
        self.assertEqual((group.name, list(group.members.all())), ("Lab B", [self.bob]))

    def test_keeping_its_name_is_not_a_clash(self):
        group = StudentGroup.objects.create(run=self.run, name="Lab A")
        self.client.post(f"{self.url}{group.pk}/", {"name": "Lab A", "members": [self.bob.pk]})
        self.assertEqual(list(group.members.all()), [self.bob])

    def test_it_deletes_a_group_and_its_extensions(self):
        group = StudentGroup.objects.create(run=self.run, name="Lab A")
        self.extend(DEADLINE.replace(day=9), group=group)
        response = self.client.post(f"{self.url}{group.pk}/delete/")
        self.assertRedirects(response, self.url, fetch_redirect_response=False)
        self.assertFalse(StudentGroup.objects.exists())
        self.assertFalse(Extension.objects.exists())

    def test_a_group_of_another_run_is_not_found(self):
        other = CourseRun.objects.create(course=self.course, slug="autumn", title="Autumn")
        group = StudentGroup.objects.create(run=other, name="Lab A")
        self.assertEqual(self.client.post(f"{self.url}{group.pk}/", {"name": "Mine"}).status_code, 404)
        self.assertEqual(self.client.post(f"{self.url}{group.pk}/delete/").status_code, 404)
        self.assertEqual(StudentGroup.objects.get().name, "Lab A")

    def test_changes_refuse_get(self):
        group = StudentGroup.objects.create(run=self.run, name="Lab A")
        for url in (f"{self.url}new/", f"{self.url}{group.pk}/", f"{self.url}{group.pk}/delete/"):
            self.assertEqual(self.client.get(url).status_code, 405, url)
        self.assertTrue(StudentGroup.objects.exists())
