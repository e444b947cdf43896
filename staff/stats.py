"""Per-exercise and per-question statistics of a course run, over its roster: where students struggle."""

from collections import Counter
from dataclasses import dataclass

from courses.models import Question, QuizAnswer
from grader.models import CheckResult, Exercise, Submission

from .scores import scored_submissions


@dataclass
class ExerciseStats:
    exercise: object
    submissions: int
    students: int
    graded: int
    full_marks: int
    most_failed_check: str
    most_failed_count: int

    @property
    def pass_rate(self):
        return self.full_marks / self.graded if self.graded else None


@dataclass
class QuestionStats:
    question: object
    answers: int
    correct: int
    most_chosen_wrong: object  # an Option, or None
    most_chosen_wrong_count: int

    @property
    def pass_rate(self):
        return self.correct / self.answers if self.answers else None


def exercise_stats(course, run):
    stats = []
    roster = run.students()
    for exercise in Exercise.objects.filter(chapter__course=course, retired=False).select_related("chapter"):
        submissions = scored_submissions(exercise.submissions.filter(user__in=roster), [exercise])
        graded = [s for s in submissions if s.status == Submission.GRADED]
        latest_grades = [s.grade.pk for s in graded]
        failed = Counter(
            CheckResult.objects.filter(grade__in=latest_grades, passed=False).values_list("name", flat=True)
        ).most_common(1)
        stats.append(ExerciseStats(
            exercise=exercise,
            submissions=sum(s.counts_as_attempt for s in submissions),
            students=len({s.user_id for s in submissions}),
            graded=len(graded),
            full_marks=sum(s.has_full_marks for s in graded),
            most_failed_check=failed[0][0] if failed else "",
            most_failed_count=failed[0][1] if failed else 0,
        ))
    return stats


def question_stats(course, run):
    stats = []
    roster = run.students()
    questions = Question.objects.filter(chapter__course=course, retired=False).select_related("chapter")
    for question in questions.prefetch_related("options"):
        answers = list(QuizAnswer.objects.filter(question=question, attempt__user__in=roster).values_list(
            "selected", "correct"))
        wrong_options = {o.key: o for o in question.options.all() if not o.correct}
        chosen_wrong = Counter(key for selected, _ in answers for key in selected if key in wrong_options)
        top = chosen_wrong.most_common(1)
        stats.append(QuestionStats(
            question=question,
            answers=len(answers),
            correct=sum(correct for _, correct in answers),
            most_chosen_wrong=wrong_options[top[0][0]] if top else None,
            most_chosen_wrong_count=top[0][1] if top else 0,
        ))
    return stats
