from django.contrib.auth.models import User
from django.core.management.base import BaseCommand

from courses.models import Course

DEMO_ACCOUNTS = [
    ("student", "student@example.org", "learn-pytorch", "a student"),
    ("instructor", "instructor@example.org", "teach-pytorch", "an instructor of every course"),
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
            self.stdout.write(f"  {role:32} username {username:12} password {password}")
