"""Joining a run as a student with its invitation link or join code, each refusal, and the sign-up
page that brings a student without an account back to the invitation."""

from runs.models import CourseRun, Enrollment
from tests.base import PASSWORD
from tests.runs.base import RosterTestCase


class JoinTestCase(RosterTestCase):
    def setUp(self):
        super().setUp()
        self.join_url = "/join/SPRNG27X/"

    def assert_refused(self, user, text):
        self.login(user)
        enrollments = set(Enrollment.objects.values_list("pk", "run", "user", "role"))
        for response in (self.client.get(self.join_url), self.client.post(self.join_url)):
            self.assertContains(response, text, status_code=403)
            self.assertNotContains(response, "Join Spring 2027</button>", status_code=403)
        self.assertEqual(set(Enrollment.objects.values_list("pk", "run", "user", "role")), enrollments)

    def test_it_asks_before_joining(self):
        self.login(self.bob)
        response = self.client.get(self.join_url)
        self.assertContains(response, "Join Spring 2027 of Torch 101 as a student")
        self.assertContains(response, "Join Spring 2027</button>")
        self.assertFalse(Enrollment.objects.filter(user=self.bob).exists())

    def test_it_enrolls_a_student_and_goes_to_the_course(self):
        self.login(self.bob)
        response = self.client.post(self.join_url)
        self.assertRedirects(response, "/courses/torch-101/", fetch_redirect_response=False)
        self.assertEqual(Enrollment.objects.get(user=self.bob).run, self.run)
        self.assertEqual(Enrollment.objects.get(user=self.bob).role, Enrollment.STUDENT)
        self.assertContains(self.client.get(response.url), "You joined Spring 2027 of Torch 101.")

    def test_the_code_is_case_insensitive(self):
        self.login(self.bob)
        self.client.post("/join/sprng27x/")
        self.assertTrue(self.run.enrollments.filter(user=self.bob).exists())

    def test_it_refuses_an_unknown_code(self):
        self.login(self.bob)
        for response in (self.client.get("/join/NOPE1234/"), self.client.post("/join/NOPE1234/")):
            self.assertContains(response, "The code NOPE1234 is not valid", status_code=404)
        self.assertFalse(Enrollment.objects.filter(user=self.bob).exists())

    def test_it_refuses_when_joining_is_turned_off(self):
        CourseRun.objects.filter(pk=self.run.pk).update(joining_enabled=False)
        self.assert_refused(self.bob, "Joining Spring 2027 with its invitation link or code is turned off")

    def test_it_refuses_someone_already_in_the_run(self):
        self.assert_refused(self.alice, "You are already in Spring 2027 as a student.")
        self.assert_refused(self.tara, "You are already in Spring 2027 as a teaching assistant.")

    def test_it_refuses_a_student_of_another_closed_run(self):
        fall = CourseRun.objects.create(course=self.course, slug="fall", title="Fall 2026")
        Enrollment.objects.create(run=fall, user=self.bob)
        self.assert_refused(self.bob, "You are a student of Fall 2026, another run of Torch 101.")

    def test_a_student_of_the_open_run_moves_with_their_work(self):
        Enrollment.objects.create(run=self.course.runs.get(slug="open"), user=self.bob)
        self.login(self.bob)
        self.client.post(self.join_url)
        self.assertEqual([e.run for e in Enrollment.objects.filter(user=self.bob)], [self.run])

    def test_it_refuses_the_courses_instructors_and_admins(self):
        self.assert_refused(self.ian, "You are an instructor of Torch 101: instructors need no enrollment.")
        self.assert_refused(self.ada, "You are an admin: admins need no enrollment.")

    def test_a_teaching_assistant_of_another_run_may_join(self):
        Enrollment.objects.create(run=self.course.runs.get(slug="open"), user=self.bob, role=Enrollment.TA)
        self.login(self.bob)
        self.client.post(self.join_url)
        self.assertTrue(self.run.enrollments.filter(user=self.bob, role=Enrollment.STUDENT).exists())

    def test_visitors_are_sent_to_log_in(self):
        for response in (self.client.get(self.join_url), self.client.post(self.join_url)):
            self.assertRedirects(response, f"/accounts/login/?next={self.join_url}", fetch_redirect_response=False)
        self.assertEqual(Enrollment.objects.filter(run=self.run).count(), 2)

    def test_the_code_form_goes_to_the_invitation(self):
        self.login(self.bob)
        self.assertContains(self.client.get("/join/"), 'name="code"')
        response = self.client.post("/join/", {"code": " sprn g27x "})
        self.assertRedirects(response, self.join_url, fetch_redirect_response=False)

    def test_the_code_form_refuses_what_is_not_a_code(self):
        response = self.client.post("/join/", {"code": "../admin"})
        self.assertContains(response, "A join code has letters and digits only.", status_code=400)

    def test_the_course_page_offers_the_code_form_to_a_student_on_no_roster(self):
        self.login(self.bob)
        CourseRun.objects.filter(course=self.course, slug="open").delete()
        self.assertContains(self.client.get("/courses/torch-101/"), 'action="/join/"')


class SignupNextTestCase(RosterTestCase):
    def signup(self, next_url):
        return self.client.post(f"/accounts/signup/?next={next_url}", {
            "username": "carol", "email": "c@example.org", "password1": PASSWORD, "password2": PASSWORD,
        })

    def test_sign_up_goes_on_to_the_invitation(self):
        response = self.client.get("/accounts/signup/?next=/join/SPRNG27X/")
        self.assertContains(response, '<input type="hidden" name="next" value="/join/SPRNG27X/">', html=True)
        self.assertContains(response, 'href="/accounts/login/?next=/join/SPRNG27X/"')
        self.assertRedirects(self.signup("/join/SPRNG27X/"), "/join/SPRNG27X/", fetch_redirect_response=False)

    def test_sign_up_ignores_a_next_on_another_site(self):
        response = self.client.get("/accounts/signup/?next=https://evil.example/")
        self.assertNotContains(response, "evil.example")
        self.assertRedirects(self.signup("https://evil.example/"), "/", fetch_redirect_response=False)
