"""A course is never without a run: a new one (from a course folder or the admin) gets an open
run, so that it works as a public course until its staff close it or add runs."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from courses.models import Course

from .models import CourseRun

FIRST_RUN_SLUG, FIRST_RUN_TITLE = "open", "Open to everyone"


@receiver(post_save, sender=Course)
def give_a_new_course_its_first_run(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        CourseRun.objects.get_or_create(course=instance, slug=FIRST_RUN_SLUG,
                                        defaults={"title": FIRST_RUN_TITLE, "open_to_all": True})
