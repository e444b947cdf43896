from tests.staff.base import StaffTestCase


class ReviewSubmissionTestCase(StaffTestCase):
    def setUp(self):
        super().setUp()
        self.submission = self.graded(self.alice, 4, failed_checks=["Random vectors"],
                                      code="def outer(a, b):\n    return '<b>'\n")
        self.url = f"/staff/submissions/{self.submission.pk}/"

    def test_only_the_courses_staff_can_open_it(self):
        self.assert_staff_only(self.url)

    def test_it_shows_code_report_version_and_seed(self):
        self.login(self.ian)
        r = self.client.get(self.url)
        self.assertContains(r, "return &#x27;&lt;b&gt;&#x27;")
        self.assertContains(r, "Random vectors")
        self.assertContains(r, f"<code>{self.submission.seed}</code>", html=True)
        self.assertContains(r, "Exercise version <strong>1</strong>")

    def test_the_submissions_list_filters_by_student_and_exercise(self):
        self.graded(self.bob, 1)
        self.login(self.ian)
        r = self.client.get("/staff/courses/torch-101/submissions/", {"student": "alice", "exercise": self.exercise.pk})
        self.assertEqual([s.user.username for s in r.context["submissions"]], ["alice"])

    def test_the_submissions_list_refuses_an_exercise_filter_that_is_not_a_number(self):
        self.login(self.ian)
        for value in ("²", "١", "1.5"):
            r = self.client.get("/staff/courses/torch-101/submissions/", {"exercise": value})
            self.assertEqual(r.status_code, 400, repr(value))
