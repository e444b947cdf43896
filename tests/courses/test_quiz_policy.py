from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from courses.models import Question, QuizAttempt, QuizClosed
from tests.base import BaseTestCase

RIGHT = {"single": ["b"], "multiple": ["a", "c"]}
EXPLANATIONS = ("Because A.", "Because B.", "Because C.")


class QuizPolicyTestCase(BaseTestCase):
    url = "/courses/torch-101/tensors/quiz/"

    def tighten(self, **policy):
        for field, value in policy.items():
            setattr(self.chapter, field, value)
        self.chapter.save()

    def attempt_page(self, attempt, user=None):
        self.login(user or attempt.user)
        return self.client.get(f"/quiz-attempts/{attempt.pk}/")

    def assert_answers_hidden(self, response):
        self.assertEqual(response.status_code, 200)
        for text in EXPLANATIONS:
            self.assertNotContains(response, text)
        self.assertNotContains(response, "Correct option")
        self.assertNotContains(response, "✓ Correct")
        self.assertNotContains(response, 'class="correct')

    def assert_answers_shown(self, response):
        for text in EXPLANATIONS:
            self.assertContains(response, text)
        self.assertContains(response, "Correct option", count=3)

    def test_the_default_is_a_practice_quiz_with_every_answer_explained(self):
        self.login(self.alice)
        r = self.client.get(self.url)
        for text in ("Practice quiz", "Unlimited attempts", "shown after each attempt", "Your best score counts"):
            self.assertContains(r, text)
        attempt = QuizAttempt.grade(self.alice, self.chapter, {"single": ["a"]})
        self.assert_answers_shown(self.attempt_page(attempt))

    def test_the_quiz_page_never_sends_answers_or_explanations(self):
        self.login(self.alice)
        r = self.client.get(self.url)
        for text in EXPLANATIONS:
            self.assertNotContains(r, text)
        self.assertNotContains(r, "correct")

    def test_it_refuses_an_attempt_past_the_limit(self):
        self.tighten(quiz_max_attempts=2)
        self.login(self.alice)
        self.client.post(self.url, {"single": "a"})
        self.assertContains(self.client.get(self.url), "2 attempts (1 left)")
        self.client.post(self.url, {"single": "b"})
        r = self.client.post(self.url, RIGHT, follow=True)
        self.assertContains(r, "You have used all 2 attempts at this quiz.")
        self.assertNotContains(r, "Submit answers")
        self.assertEqual(QuizAttempt.objects.filter(user=self.alice).count(), 2)
        self.assertEqual(QuizAttempt.grade(self.bob, self.chapter, RIGHT).score, 2, "the limit is per student")

    def test_grading_refuses_once_the_attempts_are_used(self):
        self.tighten(quiz_max_attempts=1)
        QuizAttempt.grade(self.alice, self.chapter, RIGHT)
        with self.assertRaisesMessage(QuizClosed, "You have used all 1 attempts"):
            QuizAttempt.grade(self.alice, self.chapter, RIGHT)
        self.assertEqual(QuizAttempt.objects.count(), 1)

    def test_it_refuses_an_attempt_after_the_deadline(self):
        self.tighten(quiz_deadline=timezone.now() - timedelta(minutes=1))
        self.login(self.alice)
        r = self.client.post(self.url, RIGHT, follow=True)
        self.assertContains(r, "The quiz closed at its deadline")
        self.assertFalse(QuizAttempt.objects.exists())

    def test_answers_stay_hidden_until_the_last_attempt(self):
        self.tighten(quiz_max_attempts=2, quiz_reveal="after_last")
        first = QuizAttempt.grade(self.alice, self.chapter, {"single": ["a"], "multiple": ["a"]})
        r = self.attempt_page(first)
        self.assert_answers_hidden(r)
        self.assertContains(r, "Score: 0 / 2")
        self.assertContains(r, "Your choice.", count=2)
        self.assertContains(r, "shown after the last attempt (1 attempt left)")

        QuizAttempt.grade(self.alice, self.chapter, RIGHT)
        self.assert_answers_shown(self.attempt_page(first))

    def test_answers_stay_hidden_until_the_deadline(self):
        self.tighten(quiz_reveal="after_deadline", quiz_deadline=timezone.now() + timedelta(hours=1))
        attempt = QuizAttempt.grade(self.alice, self.chapter, RIGHT)
        self.assert_answers_hidden(self.attempt_page(attempt))
        self.tighten(quiz_deadline=timezone.now() - timedelta(seconds=1))
        self.assert_answers_shown(self.attempt_page(attempt))

    def test_after_the_deadline_without_a_deadline_reveals_nothing(self):
        self.tighten(quiz_reveal="after_deadline")
        attempt = QuizAttempt.grade(self.alice, self.chapter, RIGHT)
        r = self.attempt_page(attempt)
        self.assert_answers_hidden(r)
        self.assertContains(r, "after the deadline (none set yet)")

    def test_the_courses_staff_see_a_students_answers_explained(self):
        self.tighten(quiz_max_attempts=2, quiz_reveal="after_last")
        attempt = QuizAttempt.grade(self.alice, self.chapter, RIGHT)
        self.assert_answers_shown(self.attempt_page(attempt, self.ian))

    def test_the_last_score_counts_when_the_policy_says_so(self):
        QuizAttempt.grade(self.alice, self.chapter, RIGHT)
        QuizAttempt.grade(self.alice, self.chapter, {"single": ["b"]})
        QuizAttempt.grade(self.alice, self.chapter2, RIGHT)
        self.login(self.alice)
        self.assertContains(self.client.get("/courses/torch-101/"), "Practice score, best attempt: <strong>2 / 2</strong>")
        self.tighten(quiz_scoring="last")
        r = self.client.get("/courses/torch-101/")
        self.assertContains(r, "Quiz score, last attempt: <strong>1 / 2</strong>")
        self.assertContains(r, "Practice score, best attempt: <strong>2 / 2</strong>", count=1)  # chapter 2

    def test_counted_scores_follow_each_chapters_rule(self):
        self.tighten(quiz_scoring="last")
        for chapter in (self.chapter, self.chapter2):
            QuizAttempt.grade(self.alice, chapter, RIGHT)
            QuizAttempt.grade(self.alice, chapter, {})
        QuizAttempt.grade(self.bob, self.chapter, {"single": ["b"]})
        scores = QuizAttempt.counted_scores(QuizAttempt.objects.all())
        self.assertEqual(scores, {
            (self.alice.pk, self.chapter.pk): 0, (self.alice.pk, self.chapter2.pk): 2, (self.bob.pk, self.chapter.pk): 1,
        })

    def test_reveal_after_the_last_attempt_needs_a_number_of_attempts(self):
        self.chapter.quiz_reveal = "after_last"
        with self.assertRaisesMessage(ValidationError, "needs a number of attempts"):
            self.chapter.full_clean()
        self.chapter.quiz_max_attempts = 3
        self.chapter.full_clean()

    def test_reveal_after_the_deadline_needs_a_deadline_in_the_admin(self):
        self.chapter.quiz_reveal = "after_deadline"
        with self.assertRaisesMessage(ValidationError, "needs a deadline"):
            self.chapter.full_clean()


class MultipleAnswerQuestionTestCase(BaseTestCase):
    def test_a_question_marked_multiple_asks_with_checkboxes_even_with_one_correct_option(self):
        Question.objects.filter(key="single").update(multiple=True)
        self.login(self.alice)
        r = self.client.get("/courses/torch-101/tensors/quiz/")
        self.assertContains(r, 'type="checkbox" name="single"', count=3)
        self.assertContains(r, "choose all that apply", count=2)
        self.assertEqual(QuizAttempt.grade(self.alice, self.chapter, {"single": ["b"]}).score, 1)
        self.assertEqual(QuizAttempt.grade(self.alice, self.chapter, {"single": ["a", "b"]}).score, 0)


class QuizPolicyAdminTestCase(BaseTestCase):
    def test_an_instructor_sets_the_policy_and_a_deadline_in_the_admin(self):
        self.ian.is_staff = True
        self.ian.save()
        self.login(self.ian)
        url = f"/admin/courses/chapter/{self.chapter.pk}/change/"
        form = self.client.get(url).context["adminform"].form
        data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
        data.update(quiz_max_attempts="2", quiz_reveal="after_deadline", quiz_scoring="last",
                    quiz_deadline="2030-01-31T18:00", faq='[{"q": "Q?", "a": "A."}]', updated="")
        r = self.client.post(url, data)
        self.assertEqual(r.status_code, 302, r.context and r.context["adminform"].form.errors)
        self.chapter.refresh_from_db()
        self.assertEqual((self.chapter.quiz_max_attempts, self.chapter.quiz_reveal, self.chapter.quiz_scoring),
                         (2, "after_deadline", "last"))
        self.assertEqual(timezone.localtime(self.chapter.quiz_deadline).strftime("%Y-%m-%d %H:%M"), "2030-01-31 18:00")
        self.assertContains(self.client.get(url), 'type="datetime-local" name="quiz_deadline" value="2030-01-31T18:00"')

        data.update(quiz_reveal="after_last", quiz_max_attempts="")
        self.assertContains(self.client.post(url, data), "needs a number of attempts")
