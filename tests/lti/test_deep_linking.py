"""Deep linking 2.0: an LMS instructor picks items; the LMS gets them, signed, with their points."""

import jwt
from django.urls import reverse

from lti import keys

from .base import LtiTestCase
from .platform import CLIENT_ID, DEPLOYMENT_ID, LEARNER

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


class DeepLinkingTests(LtiTestCase):
    def deep_link_launch(self, **claims):
        auth = self.start_login()
        token = self.lms.sign(self.lms.deep_link_claims(auth["nonce"], **claims))
        return self.client.post(reverse("lti_launch"), {"id_token": token, "state": auth["state"]})

    def test_an_instructor_picks_items_and_the_lms_gets_them_with_their_points(self):
        response = self.deep_link_launch()
        self.assertRedirects(response, reverse("lti_deep_link"), fetch_redirect_response=False)
        picker = self.client.get(reverse("lti_deep_link"))
        self.assertContains(picker, self.exercise.title)
        self.assertContains(picker, "Quiz: Chapter tensors")
        self.assertNotContains(picker, "Chapter draft")  # unpublished

        answer = self.client.post(reverse("lti_deep_link"), {"item": [
            f"exercise:{self.exercise.pk}", f"quiz:{self.chapter.pk}", f"chapter:{self.chapter2.pk}",
            f"exercise:{self.exercise.pk + 999}"]})
        self.assertContains(answer, f'action="{self.lms.base}/deep-link-return"')
        token = answer.context["jwt"]
        key = next(k for k in keys.jwks()["keys"] if k["kid"] == jwt.get_unverified_header(token)["kid"])
        claims = jwt.decode(token, jwt.PyJWK(key).key, algorithms=["RS256"], audience=self.lms.issuer)
        self.assertEqual(claims["iss"], CLIENT_ID)
        self.assertEqual(claims["https://purl.imsglobal.org/spec/lti/claim/message_type"], "LtiDeepLinkingResponse")
        self.assertEqual(claims["https://purl.imsglobal.org/spec/lti/claim/version"], "1.3.0")
        self.assertEqual(claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"], DEPLOYMENT_ID)
        self.assertEqual(claims[DL + "data"], "opaque-csrf-1")
        exercise, quiz, reading = claims[DL + "content_items"]
        self.assertEqual(exercise["type"], "ltiResourceLink")
        self.assertEqual(exercise["url"], "http://testserver" + reverse("lti_launch"))
        self.assertEqual(exercise["custom"], {"torchgrade_item": f"exercise:{self.exercise.pk}"})
        self.assertEqual(exercise["lineItem"]["scoreMaximum"], 6)
        self.assertEqual(quiz["lineItem"]["scoreMaximum"], 2)
        self.assertNotIn("lineItem", reading)
        self.assertNotIn("lti_deep_link_launch", self.client.session)

    def test_an_lms_taking_one_item_gets_the_first(self):
        settings = self.lms.deep_link_claims("n")[DL + "deep_linking_settings"]
        self.deep_link_launch(**{DL + "deep_linking_settings": {**settings, "accept_multiple": False}})
        answer = self.client.post(reverse("lti_deep_link"), {"item": [f"quiz:{self.chapter.pk}",
                                                                     f"exercise:{self.exercise.pk}"]})
        claims = jwt.decode(answer.context["jwt"], options={"verify_signature": False})
        self.assertEqual(len(claims[DL + "content_items"]), 1)

    def test_a_learner_cannot_place_content(self):
        with self.assertLogs("torchgrade.lti", "WARNING"):
            response = self.deep_link_launch(sub="student-1", roles=[LEARNER])
        self.assertContains(response, "Only an instructor", status_code=403)

    def test_the_picker_needs_a_deep_linking_launch(self):
        self.login(self.ian)
        self.assertEqual(self.client.get(reverse("lti_deep_link")).status_code, 403)
