from grader.models import AuditEntry, ScoreOverride
from tests.staff.base import StaffTestCase


class OverrideTestCase(StaffTestCase):
    def setUp(self):
        super().setUp()
        self.submission = self.graded(self.alice, 2)
        self.url = f"/staff/submissions/{self.submission.pk}/override/"

    def test_it_sets_the_score_and_audits_it(self):
        self.login(self.ian)
        self.client.post(self.url, {"score": "5.5", "reason": "Correct idea, float rounding"})
        self.assertEqual(self.submission.final_score, 5.5)
        entry = AuditEntry.objects.get()
        self.assertEqual((entry.actor, entry.action, entry.before, entry.after, entry.reason),
                         (self.ian, "override", "2", "5.5", "Correct idea, float rounding"))

    def test_the_student_sees_the_new_score_and_reason(self):
        self.login(self.ian)
        self.client.post(self.url, {"score": "6", "reason": "Regrade request accepted"})
        self.login(self.alice)
        r = self.client.get(f"/submissions/{self.submission.pk}/")
        self.assertContains(r, "set by staff")
        self.assertContains(r, "Reason: Regrade request accepted")
        self.assertContains(r, "the automatic grade was 2")

    def test_it_needs_a_reason(self):
        self.login(self.ian)
        r = self.client.post(self.url, {"score": "6", "reason": "  "}, follow=True)
        self.assertContains(r, "An override needs a reason")
        self.assertFalse(ScoreOverride.objects.exists())

    def test_the_score_must_be_in_range(self):
        self.login(self.ian)
        r = self.client.post(self.url, {"score": "7", "reason": "bonus"}, follow=True)
        self.assertContains(r, "between 0 and 6")
        r = self.client.post(self.url, {"score": "lots", "reason": "bonus"}, follow=True)
        self.assertContains(r, "must be a number")
        self.assertFalse(ScoreOverride.objects.exists())

    def test_students_and_other_instructors_are_refused(self):
        for user in (self.alice, self.oscar):
            self.login(user)
            self.assertEqual(self.client.post(self.url, {"score": "6", "reason": "x"}).status_code, 403)
        self.assertFalse(ScoreOverride.objects.exists())

    def test_it_rejects_get(self):
        self.login(self.ian)
        self.assertEqual(self.client.get(self.url).status_code, 405)

    def test_it_requires_csrf(self):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(self.ian)
        self.assertEqual(client.post(self.url, {"score": "6", "reason": "x"}).status_code, 403)
