import re

from courses.models import QuizAttempt
from tests.base import BaseTestCase


class QuizTestCase(BaseTestCase):
    url = "/courses/torch-101/tensors/quiz/"

    def option_order(self, user):
        self.login(user)
        html = self.client.get(self.url).content.decode()
        return re.findall(r'name="(\w+)" value="(\w)"', html)

    def test_options_are_shuffled_per_student_but_stable(self):
        alice_first = self.option_order(self.alice)
        self.assertEqual(alice_first, self.option_order(self.alice))
        orders = {tuple(self.option_order(u)) for u in (self.alice, self.bob, self.ian, self.oscar, self.ada)}
        self.assertGreater(len(orders), 1)

    def test_multiple_answer_questions_use_checkboxes(self):
        self.login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, 'type="checkbox" name="multiple"', count=3)
        self.assertContains(r, 'type="radio" name="single"', count=3)
        self.assertContains(r, "choose all that apply", count=1)

    def test_it_scores_instantly_and_explains_every_option(self):
        self.login(self.alice)
        r = self.client.post(self.url, {"single": "b", "multiple": ["a", "c"]}, follow=True)
        self.assertContains(r, "Score: 2 / 2")
        for text in ("Because A.", "Because B.", "Because C."):
            self.assertContains(r, text)

    def test_a_multiple_answer_question_needs_exactly_the_correct_set(self):
        attempt = QuizAttempt.grade(self.alice, self.chapter, {"single": ["b"], "multiple": ["a"]})
        self.assertEqual(attempt.score, 1)
        attempt = QuizAttempt.grade(self.alice, self.chapter, {"single": ["b"], "multiple": ["a", "b", "c"]})
        self.assertEqual(attempt.score, 1)

    def test_attempts_are_kept(self):
        self.login(self.alice)
        self.client.post(self.url, {"single": "a"})
        self.client.post(self.url, {"single": "b"})
        self.assertEqual(list(QuizAttempt.objects.filter(user=self.alice).values_list("score", flat=True)), [1, 0])
        self.assertContains(self.client.get(self.url), "Your attempts")

    def test_retired_questions_are_not_asked_or_scored(self):
        self.chapter.questions.filter(key="multiple").update(retired=True)
        attempt = QuizAttempt.grade(self.alice, self.chapter, {"single": ["b"]})
        self.assertEqual((attempt.score, attempt.max_score), (1, 1))

    def test_a_student_cannot_open_another_students_attempt(self):
        attempt = QuizAttempt.grade(self.bob, self.chapter, {"single": ["b"]})
        self.login(self.alice)
        self.assertEqual(self.client.get(f"/quiz-attempts/{attempt.pk}/").status_code, 403)

    def test_the_courses_instructor_can_open_a_students_attempt(self):
        attempt = QuizAttempt.grade(self.bob, self.chapter, {"single": ["b"]})
        self.login(self.ian)
        self.assertEqual(self.client.get(f"/quiz-attempts/{attempt.pk}/").status_code, 200)
        self.login(self.oscar)
        self.assertEqual(self.client.get(f"/quiz-attempts/{attempt.pk}/").status_code, 403)
