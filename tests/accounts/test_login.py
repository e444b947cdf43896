from tests.base import PASSWORD, BaseTestCase


class LoginTestCase(BaseTestCase):
    def test_it_logs_in_and_redirects_to_next(self):
        r = self.client.post("/accounts/login/", {
            "username": "alice", "password": PASSWORD, "next": "/courses/torch-101/",
        })
        self.assertRedirects(r, "/courses/torch-101/")

    def test_it_rejects_a_wrong_password(self):
        r = self.client.post("/accounts/login/", {"username": "alice", "password": "nope"})
        self.assertEqual(r.status_code, 200)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_practising_requires_login(self):
        r = self.client.get("/courses/torch-101/tensors/quiz/")
        self.assertRedirects(r, "/accounts/login/?next=/courses/torch-101/tensors/quiz/")

    def test_logout_requires_post(self):
        self.login(self.alice)
        self.assertEqual(self.client.get("/accounts/logout/").status_code, 405)
        self.client.post("/accounts/logout/")
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_the_sign_up_link_keeps_where_the_student_was_going(self):
        r = self.client.get("/accounts/login/", {"next": "/join/ABCD2345/"})
        self.assertContains(r, 'href="/accounts/signup/?next=/join/ABCD2345/"')
