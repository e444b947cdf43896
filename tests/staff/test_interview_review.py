from courses.models import InterviewAnswer
from grader.models import AuditEntry
from tests.staff.base import StaffTestCase


class InterviewReviewTestCase(StaffTestCase):
    def setUp(self):
        super().setUp()
        self.answer = InterviewAnswer.objects.create(
            user=self.alice, question=self.chapter.interview_questions.get(), text="Because <i>gradients</i>.")
        self.queue = "/staff/courses/torch-101/interview-answers/"

    def test_only_the_courses_staff_can_read_answers(self):
        self.assert_staff_only(self.queue)

    def test_the_queue_lists_unreviewed_answers_escaped(self):
        self.login(self.ian)
        r = self.client.get(self.queue)
        self.assertContains(r, "Because &lt;i&gt;gradients&lt;/i&gt;.")

    def test_a_review_is_saved_audited_and_shown_to_the_student(self):
        self.login(self.ian)
        self.client.post(f"/staff/interview-answers/{self.answer.pk}/review/", {"score": "8", "comment": "Good, mention leaf tensors."})
        self.answer.refresh_from_db()
        self.assertEqual((self.answer.staff_score, self.answer.reviewed_by), (8, self.ian))
        self.assertEqual(AuditEntry.objects.get().after, "8")
        self.assertNotContains(self.client.get(self.queue), "Because &lt;i&gt;")
        self.assertContains(self.client.get(self.queue, {"show": "all"}), "Because &lt;i&gt;")
        self.login(self.alice)
        r = self.client.get("/courses/torch-101/tensors/interview/")
        self.assertContains(r, "Staff feedback (8/10): Good, mention leaf tensors.")

    def test_a_score_out_of_range_is_refused(self):
        self.login(self.ian)
        r = self.client.post(f"/staff/interview-answers/{self.answer.pk}/review/", {"score": "11"}, follow=True)
        self.assertContains(r, "from 0 to 10")
        self.answer.refresh_from_db()
        self.assertIsNone(self.answer.staff_score)

    def test_another_instructor_cannot_review(self):
        self.login(self.oscar)
        r = self.client.post(f"/staff/interview-answers/{self.answer.pk}/review/", {"score": "1"})
        self.assertEqual(r.status_code, 403)
