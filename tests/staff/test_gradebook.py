import csv
import io
from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from courses.models import QuizAttempt
from grader.models import Submission
from runs.models import CourseRun, Enrollment
from staff.review import override_score
from tests.staff.base import StaffTestCase


class GradebookTestCase(StaffTestCase):
    url = "/staff/courses/torch-101/gradebook/"

    def test_only_the_courses_staff_can_open_it(self):
        self.assert_staff_only(self.url)

    def test_it_shows_best_quiz_and_exercise_scores_and_totals(self):
        QuizAttempt.grade(self.alice, self.chapter, {"single": ["b"]})
        QuizAttempt.grade(self.alice, self.chapter, {"single": ["b"], "multiple": ["a", "c"]})
        self.graded(self.alice, 2)
        self.graded(self.alice, 5)
        self.graded(self.bob, 1)
        self.login(self.ian)
        book = self.client.get(self.url).context["book"]
        rows = {row.student.username: row for row in book.rows}
        self.assertEqual(set(rows), {"alice", "bob"})
        titles = [c.title for c in book.columns]
        self.assertEqual(titles[:2], ["Quiz 1", "Outer product"])
        self.assertEqual([c.score for c in rows["alice"].cells[:2]], [2, 5])
        self.assertEqual(rows["alice"].total, 7)
        self.assertIsNone(rows["bob"].cells[0].score)

    def test_a_quiz_cell_is_the_last_attempt_when_the_policy_says_so(self):
        self.enroll(self.alice)
        QuizAttempt.grade(self.alice, self.chapter, {"single": ["b"], "multiple": ["a", "c"]})
        QuizAttempt.grade(self.alice, self.chapter, {"single": ["b"]})
        self.chapter.quiz_scoring = "last"
        self.chapter.save()
        self.login(self.ian)
        r = self.client.get(self.url)
        alice = r.context["book"].rows[0]
        self.assertEqual((alice.cells[0].score, alice.total), (1, 1))
        self.assertContains(r, "/2 · last attempt")

    def test_an_override_counts_as_the_exercise_score(self):
        submission = self.graded(self.alice, 2)
        override_score(submission, 6, "late penalty waived", self.ian)
        self.login(self.ian)
        alice = self.client.get(self.url).context["book"].rows[0]
        self.assertEqual(alice.cells[1].score, 6)
        self.assertTrue(alice.cells[1].full)

    def test_a_cell_opens_the_students_submissions(self):
        self.graded(self.alice, 2)
        self.login(self.ian)
        r = self.client.get(self.url)
        link = f"/staff/courses/torch-101/submissions/?student=alice&amp;exercise={self.exercise.pk}"
        self.assertContains(r, link)

    def test_filters_by_chapter_student_and_status(self):
        self.graded(self.alice, 6)
        self.graded(self.bob, 1)
        self.login(self.ian)
        book = self.client.get(self.url, {"chapter": "autograd"}).context["book"]
        self.assertEqual([c.title for c in book.columns], ["Quiz 2"])
        book = self.client.get(self.url, {"student": "bo"}).context["book"]
        self.assertEqual([r.student.username for r in book.rows], ["bob"])
        book = self.client.get(self.url, {"chapter": "tensors", "status": "incomplete"}).context["book"]
        self.assertEqual([r.student.username for r in book.rows], ["alice", "bob"])

    def test_it_sorts_by_total(self):
        self.graded(self.alice, 1)
        self.graded(self.bob, 6)
        self.login(self.ian)
        book = self.client.get(self.url, {"sort": "-total"}).context["book"]
        self.assertEqual([r.student.username for r in book.rows], ["bob", "alice"])
        book = self.client.get(self.url, {"sort": "total"}).context["book"]
        self.assertEqual([r.student.username for r in book.rows], ["alice", "bob"])

    def test_a_cell_link_encodes_the_username(self):
        self.alice.username = "al+ice"
        self.alice.save()
        self.graded(self.alice, 2)
        self.login(self.ian)
        self.assertContains(self.client.get(self.url), "student=al%2Bice&amp;exercise=")
        r = self.client.get("/staff/courses/torch-101/submissions/", {"student": "al+ice"})
        self.assertEqual(len(r.context["submissions"]), 1)

    def test_full_marks_are_judged_on_the_version_graded_and_agree_with_the_statistics(self):
        from tests.grader.factories import OUTER_SPEC, read

        self.graded(self.alice, 6)
        harder = OUTER_SPEC.replace("points: 1\n    forbid", "points: 4\n    forbid")
        self.exercise.set_version(read(harder), harder, self.exercise.current_version.solution_code)
        self.login(self.ian)
        cell = self.client.get(self.url).context["book"].rows[0].cells[1]
        stats = self.client.get("/staff/courses/torch-101/stats/").context["exercises"][0]
        self.assertEqual((cell.score, cell.maximum, cell.full, stats.full_marks), (6, 9, True, 1))


class GradebookRosterTestCase(StaffTestCase):
    """A run's gradebook lists exactly its roster, and counts late work with its penalty."""

    url = "/staff/courses/torch-101/gradebook/"

    def setUp(self):
        super().setUp()
        self.open_run = self.course.runs.get(slug="open")
        self.spring = CourseRun.objects.create(course=self.course, slug="spring", title="Spring 2027")
        self.carol = User.objects.create_user("carol")
        Enrollment.objects.create(run=self.spring, user=self.carol)

    def book(self, **params):
        self.login(self.ian)
        return self.client.get(self.url, params).context["book"]

    def test_it_lists_students_who_never_submitted(self):
        Enrollment.objects.create(run=self.open_run, user=self.bob)
        self.graded(self.alice, 2)
        rows = {row.student.username: row for row in self.book(run="open").rows}
        self.assertEqual(set(rows), {"alice", "bob"})
        self.assertEqual([cell.score for cell in rows["bob"].cells], [None] * len(rows["bob"].cells))

    def test_it_lists_only_the_chosen_runs_roster(self):
        self.graded(self.alice, 2)
        self.assertEqual([row.student.username for row in self.book(run="spring").rows], ["carol"])
        self.assertEqual([row.student.username for row in self.book(run="open").rows], ["alice"])

    def test_work_of_students_not_on_the_roster_is_not_listed(self):
        Submission.objects.create(user=self.bob, exercise=self.exercise, code="x",
                                  version=self.exercise.current_version)
        self.assertEqual(self.book(run="open").rows, [])

    def test_a_late_submission_counts_with_its_penalty_in_the_page_and_the_csv(self):
        self.exercise.deadline = timezone.now() - timedelta(hours=30)
        self.exercise.save()
        CourseRun.objects.filter(pk=self.open_run.pk).update(
            late_policy="penalty", late_penalty_percent=10, late_penalty_unit="day", late_cutoff_hours=72)
        self.graded(self.alice, 6)
        self.login(self.ian)
        page = self.client.get(self.url, {"run": "open"})
        cell = page.context["book"].rows[0].cells[1]
        self.assertEqual((cell.score, cell.late.raw, cell.late.penalty_percent, cell.full), (4.8, 6, 20, False))
        self.assertContains(page, "late −20%")
        rows = list(csv.reader(io.StringIO(self.client.get(self.url.replace("/gradebook/", "/gradebook.csv"),
                                                           {"run": "open"}).content.decode("utf-8-sig"))))
        self.assertEqual(rows[1][rows[0].index("Outer product")], "4.8")

    def test_an_unknown_run_is_404(self):
        self.login(self.ian)
        self.assertEqual(self.client.get(self.url, {"run": "fall-1999"}).status_code, 404)
