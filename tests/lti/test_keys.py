"""The tool's keys: generated, kept out of the database, published, rotated."""

import stat
from datetime import timedelta
from pathlib import Path

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from lti import keys
from lti.models import ToolKey

from .base import LtiTestCase


class KeyTests(LtiTestCase):
    def test_the_private_key_is_a_file_only_its_owner_reads_and_not_in_the_database(self):
        key = keys.current()
        path = Path(self.key_dir) / f"{key.kid}.pem"
        self.assertEqual(stat.S_IMODE(path.stat().st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(Path(self.key_dir).stat().st_mode), 0o700)
        self.assertIn("PRIVATE KEY", keys.private_pem(key))
        self.assertNotIn("PRIVATE", key.public_pem)

    def test_the_jwks_endpoint_publishes_the_signing_key(self):
        body = self.client.get(reverse("lti_jwks")).json()
        key, = body["keys"]
        self.assertEqual((key["kid"], key["kty"], key["alg"], key["use"]), (keys.current().kid, "RSA", "RS256", "sig"))
        self.assertNotIn("d", key)

    def test_rotation_signs_with_a_new_key_and_keeps_the_old_one_published_for_a_while(self):
        old = keys.current()
        call_command("lti_keys", "rotate", stdout=open("/dev/null", "w"))
        new = keys.current()
        self.assertNotEqual(old.kid, new.kid)
        self.assertEqual({k["kid"] for k in keys.jwks()["keys"]}, {old.kid, new.kid})
        ToolKey.objects.filter(pk=old.pk).update(retired_at=timezone.now() - keys.KEEP_PUBLISHED - timedelta(hours=1))
        self.assertEqual(keys.prune(), 1)
        self.assertEqual([k["kid"] for k in keys.jwks()["keys"]], [new.kid])
        self.assertFalse((Path(self.key_dir) / f"{old.kid}.pem").exists())


class ConfigurationPageTests(LtiTestCase):
    def test_it_shows_what_an_lms_administrator_needs(self):
        response = self.client.get(reverse("lti_configuration"))
        for path in ("/lti/login/", "/lti/launch/", "/lti/jwks.json"):
            self.assertContains(response, f"http://testserver{path}")
