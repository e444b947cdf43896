from courses.models import QuizAttempt
from staff.review import override_score
from tests.staff.base import StaffTestCase


class StatsTestCase(StaffTestCase):
    url = "/staff/courses/torch-101/stats/"

    def test_only_the_courses_staff_can_open_it(self):
        self.assert_staff_only(self.url)

    def test_exercise_attempts_pass_rate_and_most_failed_check(self):
        self.graded(self.alice, 2, failed_checks=["Random vectors", "No torch.outer"])
        self.graded(self.alice, 6)
        self.graded(self.bob, 1, failed_checks=["Random vectors"])
        override_score(self.graded(self.bob, 3, failed_checks=["Examples"]), 6, "ok", self.ian)
        self.login(self.ian)
        stats = self.client.get(self.url).context["exercises"][0]
        self.assertEqual((stats.submissions, stats.students, stats.graded, stats.full_marks), (4, 2, 4, 2))
        self.assertEqual(stats.pass_rate, 0.5)
        self.assertEqual((stats.most_failed_check, stats.most_failed_count), ("Random vectors", 2))

    def test_question_pass_rate_and_most_chosen_wrong_option(self):
        self.enroll(self.alice, self.bob, self.oscar)
        QuizAttempt.grade(self.alice, self.chapter, {"single": ["a"], "multiple": ["a", "b"]})
        QuizAttempt.grade(self.bob, self.chapter, {"single": ["a"]})
        QuizAttempt.grade(self.oscar, self.chapter, {"single": ["b"]})
        self.login(self.ian)
        r = self.client.get(self.url)
        single = next(s for s in r.context["questions"] if s.question.key == "single")
        self.assertEqual((single.answers, single.correct, single.most_chosen_wrong.text), (3, 1, "A"))
        self.assertEqual(single.most_chosen_wrong_count, 2)
        self.assertContains(r, "33%")

    def test_each_exercise_links_to_its_similarity_report_for_the_run(self):
        self.login(self.ian)
        self.assertContains(self.client.get(self.url),
                            f'href="/staff/exercises/{self.exercise.pk}/similarity/?run=open"')
