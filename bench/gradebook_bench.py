"""A course run's gradebook at the size of a real course: its roster's rows, each exercise's
counted score with the late penalty of each student's own deadline (extensions for some of them),
and the CSV export.

Prints the time and the number of database queries of one gradebook, one CSV export, and the
statistics page, for a run of --students students (default 300) with --submissions submissions
each on every exercise of the bundled course (20). Uses its own PostgreSQL database
(torchgrade_bench_gradebook), dropped at the end. Figures are printed, never asserted.

    /opt/torchgrade/venv/bin/python bench/gradebook_bench.py [--students 300] [--submissions 2] [--repeat 5]
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import drop_database, recreate_database  # noqa: E402 - bench/ is the script's own folder

DATABASE = "torchgrade_bench_gradebook"


def build(students: int, submissions: int):
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.utils import timezone

    from courses.models import Course
    from grader.models import Exercise, Grade, Submission
    from runs.models import CourseRun, Enrollment, Extension

    call_command("migrate", verbosity=0)
    call_command("import_course", str(ROOT / "content" / "pytorch-essentials"), verbosity=0)
    course = Course.objects.get()
    run = CourseRun.objects.create(course=course, slug="spring", title="Spring 2027", late_policy="penalty",
                                   late_penalty_percent=10, late_penalty_unit="day", late_cutoff_hours=72)
    exercises = list(Exercise.objects.filter(chapter__course=course).select_related("current_version"))
    now = timezone.now()
    Exercise.objects.filter(pk__in=[e.pk for e in exercises]).update(deadline=now - timedelta(days=1))
    users = User.objects.bulk_create(User(username=f"student{i:04}") for i in range(students))
    Enrollment.objects.bulk_create(Enrollment(run=run, user=user) for user in users)
    Extension.objects.bulk_create(Extension(run=run, exercise=exercises[0], student=user, due_at=now + timedelta(days=2))
                                  for user in users[::10])
    rows = Submission.objects.bulk_create(
        Submission(user=user, exercise=exercise, version=exercise.current_version, code="x", status="graded",
                   created_at=now - timedelta(hours=40 - 12 * n))
        for user in users for exercise in exercises for n in range(submissions))
    Grade.objects.bulk_create(
        Grade(submission=row, request=f"submit:{row.pk}", version_id=row.version_id, score=(row.pk % 7),
              max_score=6, seed=row.seed, torch_version="2.13.0", device="cpu", sandbox_status="ok")
        for row in rows)
    return course, run, len(exercises), len(rows)


def measure(name: str, action, repeat: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    seconds = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            action()
            seconds.append(time.perf_counter() - started)
    print(f"{name:28} median {statistics.median(seconds) * 1000:7.0f} ms   "
          f"min {min(seconds) * 1000:7.0f} ms   {len(queries.captured_queries)} queries")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--submissions", type=int, default=2, help="graded submissions per student and exercise")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    os.environ.update(DATABASE_URL=recreate_database(DATABASE), SECRET_KEY="bench", DEBUG="1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "torchgrade.settings"
    import django

    django.setup()
    from django.db import connection

    from staff.gradebook import Gradebook
    from staff.stats import exercise_stats, question_stats

    try:
        started = time.perf_counter()
        course, run, exercises, submissions = build(args.students, args.submissions)
        print(f"{args.students} students x {exercises} exercises, {submissions} graded submissions "
              f"(built in {time.perf_counter() - started:.0f} s); times on this machine, {os.cpu_count()} cores")
        measure("gradebook (rows and cells)", lambda: Gradebook(course, run), args.repeat)
        measure("gradebook CSV", lambda: Gradebook(course, run).csv(), args.repeat)
        measure("statistics", lambda: (exercise_stats(course, run), question_stats(course, run)), args.repeat)
    finally:
        connection.close()
        drop_database(DATABASE)


if __name__ == "__main__":
    main()
