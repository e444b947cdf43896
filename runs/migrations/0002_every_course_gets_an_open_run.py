"""Courses made before runs existed become one open run each (as they worked: anyone signed in
is a student), whose roster is everyone who ever handed in work there. No grade moves: grades
belong to submissions and quiz attempts, which this does not touch."""

import secrets

from django.db import migrations

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def open_runs(apps, schema_editor):
    Course = apps.get_model("courses", "Course")
    CourseRun = apps.get_model("runs", "CourseRun")
    Enrollment = apps.get_model("runs", "Enrollment")
    User = apps.get_model("auth", "User")
    for course in Course.objects.all():
        run, _ = CourseRun.objects.get_or_create(
            course=course, slug="open",
            defaults={"title": "Open to everyone", "open_to_all": True,
                      "join_code": "".join(secrets.choice(ALPHABET) for _ in range(8))})
        instructors = course.instructors.values_list("pk", flat=True)
        workers = set(User.objects.filter(submissions__exercise__chapter__course=course).values_list("pk", flat=True))
        workers |= set(User.objects.filter(quiz_attempts__chapter__course=course).values_list("pk", flat=True))
        workers |= set(User.objects.filter(interview_answers__question__chapter__course=course)
                       .values_list("pk", flat=True))
        Enrollment.objects.bulk_create(
            [Enrollment(run=run, user_id=pk, role="student") for pk in sorted(workers - set(instructors))],
            ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("runs", "0001_initial"),
    ]

    operations = [migrations.RunPython(open_runs, migrations.RunPython.noop)]
