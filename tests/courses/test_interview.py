from courses.models import InterviewAnswer
from tests.base import BaseTestCase


class InterviewTestCase(BaseTestCase):
    url = "/courses/torch-101/tensors/interview/"

    def test_the_model_answer_is_hidden_until_the_student_answers(self):
        self.login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, "Why?")
        self.assertNotContains(r, "Model answer")

    def test_answering_saves_and_reveals_the_model_answer(self):
        self.login(self.alice)
        r = self.client.post(self.url, {"question": "why", "answer": "Gradients."}, follow=True)
        self.assertContains(r, "Model answer")
        self.assertContains(r, "<strong>tensors</strong>", html=True)
        self.assertEqual(InterviewAnswer.objects.get(user=self.alice).text, "Gradients.")

    def test_answering_again_updates_the_saved_answer(self):
        self.login(self.alice)
        self.client.post(self.url, {"question": "why", "answer": "one"})
        self.client.post(self.url, {"question": "why", "answer": "two"})
        self.assertEqual(list(InterviewAnswer.objects.values_list("text", flat=True)), ["two"])

    def test_an_empty_answer_does_not_reveal(self):
        self.login(self.alice)
        r = self.client.post(self.url, {"question": "why", "answer": "  "}, follow=True)
        self.assertContains(r, "Write your answer first")
        self.assertNotContains(r, "Model answer")
        self.assertFalse(InterviewAnswer.objects.exists())

    def test_students_do_not_see_each_others_answers(self):
        self.login(self.bob)
        self.client.post(self.url, {"question": "why", "answer": "bob's secret answer"})
        self.login(self.alice)
        self.assertNotContains(self.client.get(self.url), "bob&#x27;s secret answer")
        self.assertNotContains(self.client.get(self.url), "Model answer")

    def test_a_changed_answer_goes_back_to_the_review_queue(self):
        from django.utils import timezone

        self.login(self.alice)
        self.client.post(self.url, {"question": "why", "answer": "first"})
        InterviewAnswer.objects.update(reviewed_at=timezone.now(), staff_score=7)
        self.client.post(self.url, {"question": "why", "answer": "first"})
        self.assertIsNotNone(InterviewAnswer.objects.get().reviewed_at, "the same text keeps its review")
        self.client.post(self.url, {"question": "why", "answer": "second, better"})
        answer = InterviewAnswer.objects.get()
        self.assertEqual((answer.text, answer.reviewed_at, answer.staff_score), ("second, better", None, 7))
