from django.contrib.auth.models import User

from tests.base import PASSWORD, BaseTestCase


class SignupTestCase(BaseTestCase):
    def test_it_creates_an_account_and_logs_in(self):
        r = self.client.post("/accounts/signup/", {
            "username": "carol", "first_name": "Carol", "last_name": "Ng", "email": "c@example.org",
            "password1": PASSWORD, "password2": PASSWORD,
        })
        self.assertRedirects(r, "/")
        self.assertTrue(User.objects.filter(username="carol").exists())
        self.assertContains(self.client.get("/"), "carol")

    def test_it_rejects_mismatched_passwords(self):
        r = self.client.post("/accounts/signup/", {
            "username": "carol", "password1": PASSWORD, "password2": PASSWORD + "x",
        })
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "role=\"alert\"")
        self.assertFalse(User.objects.filter(username="carol").exists())
