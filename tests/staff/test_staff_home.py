from tests.staff.base import StaffTestCase


class StaffHomeTestCase(StaffTestCase):
    def test_an_instructor_sees_only_their_courses(self):
        self.login(self.ian)
        r = self.client.get("/staff/")
        self.assertContains(r, "Torch 101")
        self.assertNotContains(r, "Other course")

    def test_an_admin_sees_every_course(self):
        self.login(self.ada)
        r = self.client.get("/staff/")
        self.assertContains(r, "Torch 101")
        self.assertContains(r, "Other course")

    def test_a_student_is_refused_and_sees_no_staff_link(self):
        self.login(self.alice)
        self.assertEqual(self.client.get("/staff/").status_code, 403)
        self.assertNotContains(self.client.get("/"), 'href="/staff/"')
