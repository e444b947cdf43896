"""Who may do what in a course, by run.

- An admin, or one of the course's instructors: everything, in every run of the course.
- A teaching assistant of a run: that run's gradebook, statistics and similarity reports, and
  its students' submissions (review, regrade one, override with a reason); no authoring, no
  settings, no roster, no deadlines.
- A student: their own work, in the one run of the course they belong to (or its open run).
"""

from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from courses.models import Course

from .late import LateScore, Window
from .models import CourseRun, Enrollment
from .schedule import Schedule


class NotEnrolled(Exception):
    """The user may read the course but not hand in work: the message says how to join."""


def student_run(user, course) -> CourseRun | None:
    """The run `user` works in: the one they are a student of, else the course's newest open run;
    None for visitors and for the course's staff, who try its exercises outside any run (no
    roster, no deadline)."""
    if not user.is_authenticated or course.is_staff(user):
        return None
    mine = Enrollment.objects.filter(run=OuterRef("pk"), user=user, role=Enrollment.STUDENT)
    return (course.runs.annotate(mine=Exists(mine)).filter(Q(mine=True) | Q(open_to_all=True))
            .order_by("-mine", "-created_at", "-pk").first())


def run_for_work(user, course) -> CourseRun | None:
    """The run that `user` hands work in through, joining an open run on their first piece of work;
    None for the course's staff. Raises NotEnrolled for a course with no run they may work in."""
    run = student_run(user, course)
    if run is None and course.is_staff(user):
        return None
    if run is None:
        raise NotEnrolled(f"You are not on the roster of {course.title}: join it with the invitation link "
                          "or the join code your instructor gave you.")
    if run.open_to_all:
        with transaction.atomic():
            Enrollment.objects.get_or_create(run=run, user=user, defaults={"role": Enrollment.STUDENT})
    return run


def exercise_window(user, exercise, run: CourseRun | None) -> Window:
    """`user`'s deadline and late policy for `exercise` in `run` (none outside a run)."""
    return Schedule(run, [user]).exercise_window(user, exercise) if run else Window()


def quiz_window(user, chapter, run: CourseRun | None) -> Window:
    return Schedule(run, [user]).quiz_window(user, chapter) if run else Window()


def late_score(submission) -> LateScore | None:
    """The submission's score with the late penalty of its student's run (None until graded)."""
    run = student_run(submission.user, submission.exercise.chapter.course)
    raw = submission.final_score
    if run is None or raw is None:
        return None if raw is None else LateScore(raw, 0.0)
    return Schedule(run, [submission.user]).late_score(submission)


def assisted_runs(user, course):
    """The runs of `course` whose grades `user` may review: all for its staff, a TA's own runs."""
    if course.is_staff(user):
        return course.runs.all()
    if not user.is_authenticated:
        return course.runs.none()
    return course.runs.filter(enrollments__user=user, enrollments__role=Enrollment.TA)


def can_review_course(user, course) -> bool:
    return course.is_staff(user) or assisted_runs(user, course).exists()


def can_review_student(user, course, student) -> bool:
    """Whether `user` may see and review `student`'s work in `course`."""
    if course.is_staff(user):
        return True
    return assisted_runs(user, course).filter(
        enrollments__user=student, enrollments__role=Enrollment.STUDENT).exists()


def staff_anywhere(user) -> bool:
    """An admin, an instructor of some course, or a teaching assistant of some run."""
    return user.is_authenticated and (user.is_superuser or reviewable_courses(user).exists())


def reviewable_courses(user):
    """The courses whose staff pages `user` reaches: all for admins, taught ones, assisted runs' ones."""
    if user.is_superuser:
        return Course.objects.all()
    return Course.objects.filter(Q(instructors=user) | Q(runs__enrollments__user=user,
                                                          runs__enrollments__role=Enrollment.TA)).distinct()


def students_reviewed_by(user, course):
    """The students whose work in `course` `user` may review: None means everyone's (the course's
    staff); otherwise a queryset of user ids, the students of the runs they assist."""
    if course.is_staff(user):
        return None
    return Enrollment.objects.filter(run__in=assisted_runs(user, course), role=Enrollment.STUDENT).values("user_id")
