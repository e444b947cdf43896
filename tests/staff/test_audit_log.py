from staff.review import override_score
from tests.staff.base import StaffTestCase


class AuditLogTestCase(StaffTestCase):
    def test_admins_see_every_override_with_who_before_after_and_why(self):
        override_score(self.graded(self.alice, 2), 4, "partial credit for the idea", self.ian)
        self.login(self.ada)
        r = self.client.get("/staff/audit/")
        for text in ("ian", "override", "partial credit for the idea", "<td>2</td>", "<td>4</td>"):
            self.assertContains(r, text)

    def test_instructors_and_students_cannot_open_it(self):
        for user in (self.ian, self.alice):
            self.login(user)
            self.assertEqual(self.client.get("/staff/audit/").status_code, 403)
