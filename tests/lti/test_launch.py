"""Resource-link launches: who the user is, where they land, and every launch that is refused."""

import time

from django.contrib.auth.models import User
from django.urls import reverse

from lti.models import ContextLink, LtiIdentity, ResourceLink
from runs.models import CourseRun, Enrollment

from .base import LtiTestCase
from .platform import CLIENT_ID, INSTRUCTOR, LEARNER, TEACHING_ASSISTANT


class LaunchTests(LtiTestCase):
    def test_a_learner_lands_on_the_exercise_signed_in_and_enrolled(self):
        response = self.launch_item()
        self.assertRedirects(response, self.exercise.get_absolute_url(), fetch_redirect_response=False)
        identity = LtiIdentity.objects.get(platform=self.platform, sub="student-1")
        self.assertEqual(int(self.client.session["_auth_user_id"]), identity.user.pk)
        self.assertEqual((identity.user.first_name, identity.user.email), ("Ada", "student-1@uni.example"))
        self.assertFalse(identity.user.has_usable_password())
        context = ContextLink.objects.get()
        self.assertEqual((context.context_id, context.run.course, context.run.title),
                         ("course-section-42", self.course, "Machine learning 101"))
        self.assertEqual(Enrollment.objects.get(user=identity.user).run, context.run)
        self.assertEqual(Enrollment.objects.get(user=identity.user).role, Enrollment.STUDENT)
        link = ResourceLink.objects.get()
        self.assertEqual((link.exercise, link.resource_link_id), (self.exercise, "link-1"))

    def test_the_same_sub_is_the_same_user_and_an_email_alone_matches_no_one(self):
        self.launch_item(sub="s-9", email="alice@example.org")
        self.client.logout()
        self.launch_item(sub="s-9", email="alice@example.org", given_name="Adele")
        user = LtiIdentity.objects.get(sub="s-9").user
        self.assertNotEqual(user, self.alice)
        self.assertEqual(user.first_name, "Adele")
        self.assertEqual(User.objects.filter(email="alice@example.org").count(), 2)

    def test_a_later_launch_without_the_custom_item_opens_what_the_link_opened_before(self):
        self.launch_item()
        response = self.launch(resource_link_id="link-1")
        self.assertRedirects(response, self.exercise.get_absolute_url(), fetch_redirect_response=False)

    def test_an_instructor_becomes_an_instructor_of_the_course(self):
        self.launch_item(sub="teacher-1", roles=[INSTRUCTOR])
        user = LtiIdentity.objects.get(sub="teacher-1").user
        self.assertTrue(self.course.is_staff(user))
        self.assertTrue(user.is_staff)
        self.assertFalse(Enrollment.objects.filter(user=user).exists())

    def test_a_teaching_assistant_assists_the_linked_run_and_authors_nothing(self):
        self.launch_item(sub="ta-1", roles=[TEACHING_ASSISTANT, INSTRUCTOR])
        user = LtiIdentity.objects.get(sub="ta-1").user
        self.assertEqual(Enrollment.objects.get(user=user).role, Enrollment.TA)
        self.assertFalse(self.course.is_staff(user))

    def test_a_learner_moves_from_their_earlier_run_to_the_lms_course(self):
        self.launch_item()
        user = LtiIdentity.objects.get().user
        Enrollment.objects.filter(user=user).delete()
        earlier = CourseRun.objects.create(course=self.course, slug="spring", title="Spring")
        Enrollment.objects.create(run=earlier, user=user)
        self.launch_item()
        self.assertEqual(list(Enrollment.objects.filter(user=user).values_list("run__slug", flat=True)),
                         [ContextLink.objects.get().run.slug])

    def test_the_launched_session_may_be_framed_by_its_lms_only(self):
        self.launch_item()
        response = self.client.get(self.exercise.get_absolute_url())
        self.assertEqual(response["Content-Security-Policy"], f"frame-ancestors 'self' {self.lms.base}")
        self.assertNotIn("X-Frame-Options", response)
        self.client.logout()
        self.login(self.alice)
        self.assertEqual(self.client.get(self.exercise.get_absolute_url())["X-Frame-Options"], "DENY")


class RefusedLaunchTests(LtiTestCase):
    def assert_refused(self, response, reason):
        self.assertEqual(response.status_code, 403)
        self.assertContains(response, reason, status_code=403)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertFalse(LtiIdentity.objects.exists())
        self.assertNotIn("X-Frame-Options", response)  # the LMS's iframe shows why

    def refused_with(self, reason, **launch):
        with self.assertLogs("torchgrade.lti", "WARNING") as logs:
            response = self.launch_item(**launch)
        self.assert_refused(response, reason)
        self.assertIn(reason, logs.records[0].reason)

    def test_a_wrong_signature_is_refused(self):
        self.refused_with("Signature verification failed",
                          make_token=lambda claims: self.lms.sign(claims, forged=True))

    def test_a_token_for_another_tool_is_refused(self):
        self.refused_with("Registration not found", aud="another-tool")

    def test_a_nonce_the_tool_never_issued_is_refused(self):
        self.refused_with("Invalid Nonce", nonce="made-up")

    def test_an_expired_token_is_refused(self):
        self.refused_with("Signature has expired", exp=int(time.time()) - 60, iat=int(time.time()) - 400)

    def test_a_token_without_expiry_is_refused(self):
        self.refused_with("Token is missing the",
                          make_token=lambda claims: self.lms.sign({k: v for k, v in claims.items() if k != "exp"}))

    def test_an_unknown_deployment_is_refused(self):
        self.refused_with("Unable to find deployment",
                          **{"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "elsewhere"})

    def test_a_replayed_launch_is_refused(self):
        auth = self.start_login()
        post = {"id_token": self.lms.sign(self.lms.claims(auth["nonce"], item=f"exercise:{self.exercise.pk}")),
                "state": auth["state"]}
        self.assertEqual(self.client.post(reverse("lti_launch"), post).status_code, 302)
        self.client.logout()
        with self.assertLogs("torchgrade.lti", "WARNING"):
            response = self.client.post(reverse("lti_launch"), post)
        self.assertContains(response, "used already", status_code=403)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_a_launch_without_the_login_state_is_refused(self):
        auth = self.start_login()
        token = self.lms.sign(self.lms.claims(auth["nonce"], item=f"exercise:{self.exercise.pk}"))
        with self.assertLogs("torchgrade.lti", "WARNING"):
            response = self.client.post(reverse("lti_launch"), {"id_token": token, "state": "state-forged"})
        self.assert_refused(response, "State not found")

    def test_an_item_of_a_course_the_lms_may_not_place_is_refused(self):
        self.platform.courses.clear()
        self.refused_with("not registered for the course Torch 101")

    def test_a_role_with_no_place_here_is_refused(self):
        self.refused_with("has no place here", roles=["http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"])

    def test_a_login_from_an_unregistered_lms_is_refused(self):
        with self.assertLogs("torchgrade.lti", "WARNING"):
            response = self.client.post(reverse("lti_login"), self.lms.login_parameters(client_id="stranger"))
        self.assertContains(response, "Could not find registration", status_code=400)

    def test_the_launch_url_takes_posts_only(self):
        self.assertEqual(self.client.get(reverse("lti_launch")).status_code, 405)


class ClientIdTests(LtiTestCase):
    def test_an_audience_list_naming_the_tool_first_is_accepted(self):
        response = self.launch_item(aud=[CLIENT_ID, "someone-else"], azp=CLIENT_ID, roles=[LEARNER])
        self.assertEqual(response.status_code, 302)
