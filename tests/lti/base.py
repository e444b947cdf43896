"""The LTI tests' base: the shared course of tests.base, one exercise, a fake LMS on loopback
registered as a platform for the course, and the tool's keys in a directory of the test's own."""

import tempfile
from unittest import mock
from urllib.parse import parse_qs, urlsplit

from django.test import override_settings
from django.urls import reverse

from lti import keys
from lti.models import Deployment, Platform
from tests.base import BaseTestCase
from tests.grader.factories import make_exercise

from .platform import DEPLOYMENT_ID, FakePlatform


class LtiTestCase(BaseTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lms = FakePlatform()
        cls.addClassCleanup(cls.lms.stop)
        key_dir = tempfile.TemporaryDirectory()
        cls.addClassCleanup(key_dir.cleanup)
        cls.key_dir = key_dir.name

    def setUp(self):
        super().setUp()
        settings_override = override_settings(LTI_KEY_DIR=self.key_dir)
        settings_override.enable()
        self.addCleanup(settings_override.disable)
        # Background tasks are seen, not sent: no broker in unit tests.
        for task in ("send_score_task", "sync_roster_task"):
            patcher = mock.patch(f"lti.jobs.{task}.apply_async")
            setattr(self, task, patcher.start())
            self.addCleanup(patcher.stop)
        self.lms.requests.clear()
        self.lms.scores.clear()
        self.lms.lineitems.clear()
        self.lms.members, self.lms.down = [], False
        self.lms.tool_urls = {"launch": "http://testserver" + reverse("lti_launch"),
                              "login": "http://testserver" + reverse("lti_login")}
        self.platform = Platform.objects.create(**self.lms.registration())
        self.platform.courses.add(self.course)
        Deployment.objects.create(platform=self.platform, deployment_id=DEPLOYMENT_ID)
        self.exercise = make_exercise(self.chapter)
        self.lms.tool_key_set = keys.jwks()

    def start_login(self, **extra) -> dict:
        """The login initiation; returns the query of the tool's authentication request."""
        response = self.client.post(reverse("lti_login"), self.lms.login_parameters(**extra))
        self.assertEqual(response.status_code, 302, response.content[:500])
        location = urlsplit(response["Location"])
        self.assertEqual(f"{location.scheme}://{location.netloc}{location.path}", f"{self.lms.base}/auth")
        return {k: v[0] for k, v in parse_qs(location.query).items()}

    def launch(self, make_token=None, **claims):
        """A whole launch: login initiation, then the id_token posted back with the state.
        `make_token(claims)` signs (default: the platform's key, these claims)."""
        auth = self.start_login()
        body = self.lms.claims(auth["nonce"], **claims)
        token = make_token(body) if make_token else self.lms.sign(body)
        return self.client.post(reverse("lti_launch"), {"id_token": token, "state": auth["state"]})

    def launch_item(self, item=None, **claims):
        return self.launch(item=item or f"exercise:{self.exercise.pk}", **claims)
