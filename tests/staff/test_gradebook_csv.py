import csv
import io

from tests.staff.base import StaffTestCase


class GradebookCsvTestCase(StaffTestCase):
    url = "/staff/courses/torch-101/gradebook.csv"

    def rows(self):
        self.login(self.ian)
        response = self.client.get(self.url)
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn('filename="torch-101-gradebook.csv"', response["Content-Disposition"])
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))

    def test_only_the_courses_staff_can_download_it(self):
        self.assert_staff_only(self.url)

    def test_it_has_one_row_per_student_and_a_total(self):
        self.graded(self.alice, 5)
        self.graded(self.bob, 3)
        header, *rows = self.rows()
        self.assertEqual(header[:2], ["username", "name"])
        self.assertEqual(header[-2:], ["total", "maximum"])
        self.assertIn("Outer product", header)
        self.assertEqual([r[0] for r in rows], ["alice", "bob"])
        self.assertEqual(rows[0][header.index("Outer product")], "5")
        self.assertEqual(rows[0][-2], "5")

    def test_names_with_commas_quotes_and_accents_survive(self):
        self.alice.first_name, self.alice.last_name = 'Zoë "Z"', "O'Neil, Jr."
        self.alice.save()
        self.graded(self.alice, 6)
        _, row = self.rows()
        self.assertEqual(row[1], 'Zoë "Z" O\'Neil, Jr.')
