from django.contrib.auth.models import User
from django.core.management.base import BaseCommand

from courses.models import Course
from runs.models import CourseRun, Enrollment

DEMO_ACCOUNTS = [
    ("student", "student@example.org", "learn-pytorch", "a student"),
    ("instructor", "instructor@example.org", "teach-pytorch", "an instructor of every course"),
    ("assistant", "assistant@example.org", "assist-pytorch", "a teaching assistant of every open run"),
    ("admin", "admin@example.org", "admin-pytorch", "an admin"),
]


class Command(BaseCommand):
    help = "Create (or reset) demo accounts for trying the site locally, and print them."

    def handle(self, **options):
        for username, email, password, role in DEMO_ACCOUNTS:
            user, _ = User.objects.get_or_create(username=username, defaults={"email": email})
            user.set_password(password)
            user.is_superuser = username == "admin"
            # The instructor authors the course in the admin, which needs is_staff to log in.
            user.is_staff = username in ("admin", "instructor")
            user.save()
            if username == "instructor":
                for course in Course.objects.all():
                    course.instructors.add(user)
            if username == "assistant":
                for run in CourseRun.objects.filter(open_to_all=True):
                    Enrollment.objects.update_or_create(run=run, user=user, defaults={"role": Enrollment.TA})
            self.stdout.write(f"  {role:40} username {username:12} password {password}")
