"""The roster page of a run: who is on it, the invitation link and join code, a new code, and
removal, which takes the enrollment only (never a submission or a grade) and is audited."""


from grader.models import AuditEntry, Submission
from runs.models import Enrollment
from tests.runs.base import RosterTestCase
from tests.grader.factories import OUTER_SOLUTION, make_exercise


class RosterPageTestCase(RosterTestCase):
    def setUp(self):
        super().setUp()
        self.login(self.ian)

    def test_it_lists_students_and_teaching_assistants(self):
        response = self.client.get(self.url)
        self.assertEqual([e.user for e in response.context["enrollments"]], [self.tara, self.alice])
        self.assertContains(response, "<td>Tara Ng</td>", html=True)
        self.assertContains(response, "tara@example.org")
        self.assertContains(response, "<td>teaching assistant</td>", html=True)
        self.assertContains(response, "<td>student</td>", html=True)
        self.assertNotContains(response, "bob@example.org")

    def test_it_shows_the_absolute_invitation_link_and_the_join_code(self):
        response = self.client.get(self.url)
        self.assertContains(response, ">http://testserver/join/SPRNG27X/</a>")
        self.assertContains(response, '<code id="join-code">SPRNG27X</code>', html=True)

    def test_removing_takes_the_enrollment_only(self):
        exercise = make_exercise(self.chapter)
        Submission.objects.create(user=self.alice, exercise=exercise, code=OUTER_SOLUTION,
                                  version=exercise.current_version)
        response = self.client.post(f"{self.url}roster/{self.enrollment.pk}/remove/")
        self.assertRedirects(response, self.url)
        self.assertFalse(Enrollment.objects.filter(user=self.alice).exists())
        self.assertTrue(Submission.objects.filter(user=self.alice).exists())
        self.assertContains(self.client.get(self.url), "submissions and grades are kept")

    def test_a_removal_is_audited(self):
        self.client.post(f"{self.url}roster/{self.enrollment.pk}/remove/")
        entry = AuditEntry.objects.get()
        self.assertEqual((entry.actor, entry.action, entry.course), (self.ian, AuditEntry.ROSTER, self.course))
        self.assertEqual(entry.subject, "roster of Spring 2027: alice removed")
        self.assertEqual((entry.before, entry.after), ("student", ""))

    def test_it_removes_only_an_enrollment_of_this_run(self):
        other = Enrollment.objects.create(run=self.course.runs.get(slug="open"), user=self.bob)
        self.assertEqual(self.client.post(f"{self.url}roster/{other.pk}/remove/").status_code, 404)
        self.assertTrue(Enrollment.objects.filter(pk=other.pk).exists())

    def test_a_new_code_retires_the_old_link(self):
        self.assertRedirects(self.client.post(f"{self.url}new-code/"), self.url)
        self.run.refresh_from_db()
        self.assertNotEqual(self.run.join_code, "SPRNG27X")
        self.assertEqual(self.client.get("/join/SPRNG27X/").status_code, 404)
        self.assertEqual(self.client.get(f"/join/{self.run.join_code}/").status_code, 403)  # ian needs no enrollment

    def test_changes_are_post_only(self):
        self.assertEqual(self.client.get(f"{self.url}new-code/").status_code, 405)
        self.assertEqual(self.client.get(f"{self.url}roster/{self.enrollment.pk}/remove/").status_code, 405)
        self.assertEqual(self.client.get(f"{self.url}roster/import/").status_code, 405)
        self.run.refresh_from_db()
        self.assertEqual(self.run.join_code, "SPRNG27X")
        self.assertTrue(Enrollment.objects.filter(pk=self.enrollment.pk).exists())
