"""Each student's deadlines in a run, and their scores with late penalties.

A student's deadline for an item is the latest of: the run's due date for it (DueDate), else the
course's own (Exercise.deadline, Chapter.quiz_deadline); and every extension granted to them or
to a group they are in. The late policy is the item's own in the run, else the run's. Quizzes
take no late work: answers may be revealed after the deadline. Everything is read once per
Schedule, so a gradebook of 300 students asks the database a fixed number of questions.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from .late import REFUSE, LatePolicy, LateScore, Window
from .models import CourseRun, DueDate, Extension

QUIZ_POLICY = LatePolicy(REFUSE)


@dataclass(frozen=True)
class CountedScore:
    """The submission whose score counts for one student and exercise, with its late penalty."""

    submission: object
    late: LateScore

    @property
    def maximum(self) -> float:
        """Out of the points of the version it was graded against."""
        return self.submission.version.max_score

    @property
    def full_marks(self) -> bool:
        return self.submission.has_full_marks and not self.late.penalty_percent


class Schedule:
    def __init__(self, run: CourseRun, students=None):
        """`students`: the users whose extensions to read (default: everyone's in the run)."""
        self.run = run
        self.due_dates = {(d.exercise_id, d.quiz_id): d for d in DueDate.objects.filter(run=run)}
        extensions = Extension.objects.filter(run=run)
        if students is not None:
            ids = [s.pk for s in students]
            extensions = extensions.filter(Q(student_id__in=ids) | Q(group__members__in=ids)).distinct()
        self.extended = defaultdict(list)  # (user id, exercise id, chapter id) -> [due_at]
        for extension in extensions.prefetch_related("group__members"):
            members = [extension.student_id] if extension.student_id else [m.pk for m in extension.group.members.all()]
            for user_id in members:
                self.extended[(user_id, extension.exercise_id, extension.quiz_id)].append(extension.due_at)

    def exercise_window(self, user, exercise) -> Window:
        """`user`'s window; for user None, the run's own (no extension)."""
        return self._exercise_window(user.pk if user else None, exercise)

    def quiz_window(self, user, chapter) -> Window:
        due = self.due_dates.get((None, chapter.pk))
        base = due.due_at if due else chapter.quiz_deadline
        return self._window(user.pk if user else None, (None, chapter.pk), base, QUIZ_POLICY)

    def _exercise_window(self, user_id: int | None, exercise) -> Window:
        due = self.due_dates.get((exercise.pk, None))
        base = due.due_at if due else exercise.deadline
        policy = due.policy if due and due.own_late_policy else self.run.policy
        return self._window(user_id, (exercise.pk, None), base, policy)

    def _window(self, user_id: int | None, item, base: datetime | None, policy: LatePolicy) -> Window:
        extensions = self.extended.get((user_id, *item), [])
        if base is None or not extensions or max(extensions) <= base:
            return Window(base, policy)
        return Window(max(extensions), policy, extended=True)

    def late_score(self, submission) -> LateScore | None:
        """The submission's final score (a staff override wins over the automatic grade) with the
        penalty its creation time earns under its student's window; None until it is graded."""
        raw = submission.final_score
        if raw is None:
            return None
        window = self._exercise_window(submission.user_id, submission.exercise)
        return LateScore(raw, window.penalty_at(submission.created_at))

    def counted_scores(self, submissions) -> dict[tuple[int, int], CountedScore]:
        """{(user id, exercise id): the submission with the best final score, late penalty taken
        off} over `submissions` (with their version, exercise, grades and overrides loaded):
        what the gradebook shows and the LMS receives."""
        best = {}
        for submission in submissions:
            late = self.late_score(submission)
            key = (submission.user_id, submission.exercise_id)
            if late is not None and (key not in best or late.final > best[key].late.final):
                best[key] = CountedScore(submission, late)
        return best
