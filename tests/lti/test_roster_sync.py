"""Names and Role Provisioning: the run's roster from the LMS, on demand and after a launch."""

from django.urls import reverse

from lti import nrps
from lti.models import ContextLink, LtiIdentity
from runs.models import Enrollment

from .base import LtiTestCase
from .platform import INSTRUCTOR, LEARNER, TEACHING_ASSISTANT


def member(sub, role, status="Active"):
    """A member as the NRPS 2.0 example shows one."""
    return {"status": status, "name": f"Member {sub}", "given_name": "Member", "family_name": sub,
            "email": f"{sub}@uni.example", "user_id": sub, "roles": [role]}


class RosterSyncTests(LtiTestCase):
    def setUp(self):
        super().setUp()
        self.launch_item(sub="teacher-1", roles=[INSTRUCTOR])
        self.context = ContextLink.objects.get()

    def enrolled(self):
        return sorted(Enrollment.objects.filter(run=self.context.run).values_list("user__lti_identities__sub", "role"))

    def test_a_launch_asks_for_a_sync_in_the_background(self):
        self.sync_roster_task.assert_not_called()  # the launch's callbacks wait for the commit
        with self.captureOnCommitCallbacks(execute=True):
            self.launch_item(sub="teacher-1", roles=[INSTRUCTOR])
        self.sync_roster_task.assert_called_once_with((self.context.pk,), queue="cpu-background")

    def test_the_roster_follows_the_lms(self):
        self.lms.members = [member("s1", LEARNER), member("s2", LEARNER), member("t1", TEACHING_ASSISTANT),
                            member("teacher-1", INSTRUCTOR), member("gone", LEARNER, status="Inactive")]
        self.assertEqual(nrps.sync(self.context), {"joined": 4, "left": 0, "skipped": 1})
        self.assertEqual(self.enrolled(), [("s1", "student"), ("s2", "student"), ("t1", "ta")])
        token_request = next(r for r in self.lms.requests if r[1] == "/token")
        self.assertIn("contextmembership.readonly", token_request[3])
        memberships = next(r for r in self.lms.requests if r[1] == "/memberships")
        self.assertEqual(memberships[2]["Accept"], "application/vnd.ims.lti-nrps.v2.membershipcontainer+json")

        self.lms.members = [member("s1", LEARNER), member("s2", LEARNER, status="Deleted")]
        self.assertEqual(nrps.sync(self.context)["left"], 2)
        self.assertEqual(self.enrolled(), [("s1", "student")])
        self.context.refresh_from_db()
        self.assertIsNotNone(self.context.roster_synced_at)

    def test_an_empty_roster_removes_no_one(self):
        self.lms.members = [member("s1", LEARNER)]
        nrps.sync(self.context)
        self.lms.members = []
        with self.assertLogs("torchgrade.lti", "WARNING"):
            nrps.sync(self.context)
        self.assertEqual(self.enrolled(), [("s1", "student")])

    def test_someone_who_joined_with_the_join_code_stays(self):
        Enrollment.objects.create(run=self.context.run, user=self.alice)
        nrps.sync(self.context)
        self.assertTrue(Enrollment.objects.filter(run=self.context.run, user=self.alice).exists())

    def test_a_failed_sync_is_shown_to_staff(self):
        self.lms.down = True
        with self.assertLogs("torchgrade.lti", "WARNING"), self.assertRaises(Exception):
            nrps.sync(self.context)
        self.login(self.ian)
        self.assertContains(self.client.get(reverse("lti_run", args=[self.context.run.pk])), "The last sync failed")

    def test_an_instructor_asks_for_a_sync(self):
        url = reverse("lti_sync_roster", args=[self.context.run.pk])
        self.login(self.ian)
        self.assertEqual(self.client.get(url).status_code, 405)
        with self.captureOnCommitCallbacks(execute=True):
            self.assertRedirects(self.client.post(url), reverse("lti_run", args=[self.context.run.pk]))
        self.sync_roster_task.assert_called_with((self.context.pk,), queue="cpu-background")

    def test_a_teaching_assistant_may_not_sync(self):
        ta = LtiIdentity.objects.get(sub="teacher-1").user
        self.course.instructors.remove(ta)
        Enrollment.objects.create(run=self.context.run, user=ta, role=Enrollment.TA)
        self.client.force_login(ta)
        self.assertEqual(self.client.post(reverse("lti_sync_roster", args=[self.context.run.pk])).status_code, 403)
        self.assertEqual(self.client.get(reverse("lti_run", args=[self.context.run.pk])).status_code, 200)
