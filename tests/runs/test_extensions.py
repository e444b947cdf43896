"""A run's extensions: the list, granting one to a student or a group on one item (validated,
audited with the deadline before and after) and removing one (audited)."""

from datetime import datetime, timedelta, timezone as dt_timezone

from django.contrib.auth.models import User

from grader.models import AuditEntry
from runs.models import CourseRun, DueDate, Enrollment, Extension, StudentGroup
from tests.runs.base import DEADLINE, RunTestCase


class ExtensionsTestCase(RunTestCase):
    def setUp(self):
        super().setUp()
        self.login(self.ian)
        self.url = f"/staff/runs/{self.run.pk}/extensions/"
        self.item = f"exercise-{self.exercise.pk}"

    def grant(self, **data):
        return self.client.post(f"{self.url}new/", {"item": self.item, "due_at": "2027-03-04T12:00",
                                                    "reason": "illness", **data})

    def test_it_grants_an_extension_to_a_student(self):
        response = self.grant(student=self.alice.pk)
        self.assertRedirects(response, self.url, fetch_redirect_response=False)
        extension = Extension.objects.get()
        self.assertEqual((extension.run, extension.student, extension.exercise, extension.created_by, extension.reason),
                         (self.run, self.alice, self.exercise, self.ian, "illness"))
        self.assertEqual(extension.due_at, datetime(2027, 3, 4, 12, tzinfo=dt_timezone.utc))

    def test_it_reads_the_new_deadline_in_the_instructors_time_zone(self):
        self.client.cookies["tz"] = "America/New_York"
        self.grant(student=self.alice.pk)
        self.assertEqual(Extension.objects.get().due_at, datetime(2027, 3, 4, 17, tzinfo=dt_timezone.utc))

    def test_it_audits_the_grant_with_the_deadline_before_and_after(self):
        self.grant(student=self.alice.pk)
        entry = AuditEntry.objects.get()
        self.assertEqual((entry.actor, entry.action, entry.course), (self.ian, AuditEntry.EXTENSION, self.course))
        self.assertEqual(entry.subject, "Outer product for alice")
        self.assertEqual((entry.before, entry.after, entry.reason),
                         ("Mon 01 Mar 2027, 12:00 UTC", "Thu 04 Mar 2027, 12:00 UTC", "illness"))

    def test_it_grants_an_extension_to_a_group(self):
        group = StudentGroup.objects.create(run=self.run, name="Lab A")
        group.members.add(self.alice, self.bob)
        self.extend(DEADLINE + timedelta(days=1), student=self.bob)
        self.grant(group=group.pk)
        self.assertEqual(Extension.objects.get(group=group).due_at, datetime(2027, 3, 4, 12, tzinfo=dt_timezone.utc))
        entry = AuditEntry.objects.get()
        self.assertEqual(entry.subject, "Outer product for group Lab A")
        self.assertEqual(entry.before, "from Mon 01 Mar 2027, 12:00 UTC to Tue 02 Mar 2027, 12:00 UTC")
        self.assertEqual(entry.after, "Thu 04 Mar 2027, 12:00 UTC")

    def test_it_grants_an_extension_on_a_quiz(self):
        DueDate.objects.create(run=self.run, quiz=self.chapter, due_at=DEADLINE)
        self.grant(student=self.bob.pk, item=f"quiz-{self.chapter.pk}")
        self.assertEqual(Extension.objects.get().quiz, self.chapter)
        self.assertEqual(AuditEntry.objects.get().subject, "Quiz: Chapter tensors for bob")

    def test_it_lists_the_runs_extensions(self):
        self.grant(student=self.alice.pk)
        CourseRun.objects.create(course=self.course, slug="autumn", title="Autumn").extensions.create(
            student=self.bob, exercise=self.exercise, due_at=DEADLINE, reason="another run's")
        response = self.client.get(self.url)
        self.assertEqual(list(response.context["extensions"]), [Extension.objects.get(run=self.run)])
        self.assertContains(response, "<td>Thu 04 Mar 2027, 12:00 UTC</td>", html=True)
        self.assertContains(response, "<td>illness</td>", html=True)
        self.assertContains(response, "<td>ian</td>", html=True)

    def test_it_shows_times_in_the_instructors_time_zone(self):
        self.grant(student=self.alice.pk)
        self.client.cookies["tz"] = "Asia/Tokyo"
        self.assertContains(self.client.get(self.url), "Thu 04 Mar 2027, 21:00 JST")

    def test_the_new_deadline_must_be_later_than_the_items_deadline_in_the_run(self):
        DueDate.objects.create(run=self.run, exercise=self.exercise, due_at=DEADLINE + timedelta(days=5))
        response = self.grant(student=self.alice.pk)
        self.assertContains(response, "The new deadline must be later than the deadline of Outer product in this "
                                      "run, Sat 06 Mar 2027, 12:00 UTC.", status_code=400)
        self.assertFalse(Extension.objects.exists())
        self.assertFalse(AuditEntry.objects.exists())

    def test_an_item_without_a_deadline_has_nothing_to_extend(self):
        response = self.grant(student=self.alice.pk, item=f"quiz-{self.chapter.pk}")
        self.assertContains(response, "has no deadline in this run", status_code=400)
        self.assertFalse(Extension.objects.exists())

    def test_the_student_must_be_on_the_roster(self):
        carol = User.objects.create_user("carol")
        other = CourseRun.objects.create(course=self.course, slug="autumn", title="Autumn")
        Enrollment.objects.create(run=other, user=carol)
        for user in (carol, self.tom):
            response = self.grant(student=user.pk)
            self.assertContains(response, "That is not a student of this run.", status_code=400)
        self.assertFalse(Extension.objects.exists())

    def test_the_group_must_be_the_runs(self):
        group = CourseRun.objects.create(course=self.course, slug="autumn", title="Autumn").groups.create(name="A")
        self.assertContains(self.grant(group=group.pk), "That is not a group of this run.", status_code=400)
        self.assertFalse(Extension.objects.exists())

    def test_it_takes_a_student_or_a_group_not_both_nor_neither(self):
        group = StudentGroup.objects.create(run=self.run, name="Lab A")
        for who in ({}, {"student": self.alice.pk, "group": group.pk}):
            self.assertContains(self.grant(**who), "Choose a student or a group (exactly one).", status_code=400)
        self.assertFalse(Extension.objects.exists())

    def test_the_item_must_be_of_the_course(self):
        other = self.other_course.chapters.create(slug="c", position=1, title="C", quiz_deadline=DEADLINE)
        response = self.grant(student=self.alice.pk, item=f"quiz-{other.pk}")
        self.assertEqual(response.status_code, 400)
        self.assertIn("item", response.context["form"].errors)
        self.assertFalse(Extension.objects.exists())

    def test_removing_an_extension_audits_the_deadline_the_student_goes_back_to(self):
        self.extend(DEADLINE + timedelta(days=2), student=self.alice)
        extension = self.extend(DEADLINE + timedelta(days=6), student=self.alice)
        response = self.client.post(f"{self.url}{extension.pk}/delete/")
        self.assertRedirects(response, self.url, fetch_redirect_response=False)
        self.assertFalse(Extension.objects.filter(pk=extension.pk).exists())
        entry = AuditEntry.objects.get()
        self.assertEqual((entry.action, entry.subject, entry.before, entry.after),
                         (AuditEntry.EXTENSION, "Outer product for alice", "Sun 07 Mar 2027, 12:00 UTC",
                          "Wed 03 Mar 2027, 12:00 UTC"))

    def test_an_extension_of_another_run_is_not_found(self):
        other = CourseRun.objects.create(course=self.course, slug="autumn", title="Autumn")
        extension = other.extensions.create(student=self.bob, exercise=self.exercise, due_at=DEADLINE)
        self.assertEqual(self.client.post(f"{self.url}{extension.pk}/delete/").status_code, 404)
        self.assertTrue(Extension.objects.exists())

    def test_changes_refuse_get(self):
        extension = self.extend(DEADLINE + timedelta(days=2), student=self.alice)
        for url in (f"{self.url}new/", f"{self.url}{extension.pk}/delete/"):
            self.assertEqual(self.client.get(url).status_code, 405, url)
        self.assertTrue(Extension.objects.exists())
