"""A teaching assistant reaches their own run's grades and students, and nothing else: no other
run's students, no authoring, no course-wide regrade, no run settings."""

from unittest import mock

from django.contrib.auth.models import User

from courses.models import InterviewAnswer
from grader.models import AuditEntry, RegradeBatch, ScoreOverride
from runs.models import CourseRun, Enrollment
from tests.base import PASSWORD
from tests.staff.base import StaffTestCase


class TeachingAssistantAccessTestCase(StaffTestCase):
    def setUp(self):
        super().setUp()
        self.open_run = self.course.runs.get(slug="open")
        self.spring = CourseRun.objects.create(course=self.course, slug="spring", title="Spring 2027")
        self.tara = User.objects.create_user("tara", "tara@example.org", PASSWORD)
        Enrollment.objects.create(run=self.open_run, user=self.tara, role="ta")
        self.carol = User.objects.create_user("carol")
        Enrollment.objects.create(run=self.spring, user=self.carol)
        self.mine = self.graded(self.alice, 2)
        self.theirs = self.graded(self.carol, 3)
        enqueue = mock.patch("grader.jobs.regrade_submission_task.apply_async")
        self.enqueued = enqueue.start()
        self.addCleanup(enqueue.stop)
        self.login(self.tara)

    def post(self, url, data=None):
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(url, data or {})

    def test_the_staff_link_and_home_show_the_course(self):
        page = self.client.get("/staff/")
        self.assertContains(page, "Gradebook: Open to everyone")
        self.assertNotContains(page, "Gradebook: Spring 2027")
        self.assertNotContains(page, "Runs, rosters and deadlines")
        self.assertContains(self.client.get("/"), 'href="/staff/"')

    def test_it_sees_its_runs_gradebook_statistics_and_csv_only(self):
        for url in ("/staff/courses/torch-101/gradebook/", "/staff/courses/torch-101/stats/",
                    "/staff/courses/torch-101/gradebook.csv"):
            self.assertEqual(self.client.get(url).status_code, 200, url)
            self.assertEqual(self.client.get(url, {"run": "open"}).status_code, 200, url)
            self.assertEqual(self.client.get(url, {"run": "spring"}).status_code, 403, url)
        book = self.client.get("/staff/courses/torch-101/gradebook/").context["book"]
        self.assertEqual([row.student for row in book.rows], [self.alice])

    def test_another_courses_pages_are_refused(self):
        self.assertEqual(self.client.get("/staff/courses/other/gradebook/").status_code, 403)

    def test_it_sees_and_reviews_only_its_runs_students(self):
        listed = self.client.get("/staff/courses/torch-101/submissions/").context["submissions"]
        self.assertEqual([s.pk for s in listed], [self.mine.pk])
        self.assertEqual(self.client.get(f"/staff/submissions/{self.mine.pk}/").status_code, 200)
        self.assertEqual(self.client.get(f"/staff/submissions/{self.theirs.pk}/").status_code, 403)

    def test_it_overrides_with_the_audit_trail(self):
        self.post(f"/staff/submissions/{self.mine.pk}/override/", {"score": "5", "reason": "partial credit"})
        self.assertEqual(self.mine.overrides.get().created_by, self.tara)
        self.assertEqual(AuditEntry.objects.get().actor, self.tara)
        self.assertEqual(self.post(f"/staff/submissions/{self.theirs.pk}/override/",
                                   {"score": "6", "reason": "x"}).status_code, 403)
        self.assertEqual(ScoreOverride.objects.count(), 1)

    def test_it_regrades_one_of_its_students_but_not_a_whole_exercise(self):
        self.post(f"/staff/submissions/{self.mine.pk}/regrade/")
        self.assertEqual(self.post(f"/staff/submissions/{self.theirs.pk}/regrade/").status_code, 403)
        self.assertEqual(self.post(f"/staff/exercises/{self.exercise.pk}/regrade-all/").status_code, 403)
        self.assertEqual([c.args[0] for c in self.enqueued.call_args_list], [(self.mine.pk,)])
        self.assertFalse(RegradeBatch.objects.exists())

    def test_it_reviews_only_its_students_interview_answers(self):
        question = self.chapter.interview_questions.get()
        answer = InterviewAnswer.objects.create(user=self.alice, question=question, text="mine")
        other = InterviewAnswer.objects.create(user=self.carol, question=question, text="theirs")
        listed = self.client.get("/staff/courses/torch-101/interview-answers/").context["answers"]
        self.assertEqual(list(listed), [answer])
        self.assertEqual(self.post(f"/staff/interview-answers/{other.pk}/review/", {"score": "9"}).status_code, 403)
        self.post(f"/staff/interview-answers/{answer.pk}/review/", {"score": "9"})
        answer.refresh_from_db()
        self.assertEqual(answer.staff_score, 9)

    def test_it_cannot_author_the_course(self):
        self.assertRedirects(self.client.get("/admin/courses/course/"),
                             "/admin/login/?next=/admin/courses/course/", fetch_redirect_response=False)
        self.assertEqual(self.client.post("/authoring/torch-101/preview/", {"text": "x"}).status_code, 403)
