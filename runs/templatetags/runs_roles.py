from django import template

from runs.access import staff_anywhere

register = template.Library()


@register.filter
def has_staff_pages(user) -> bool:
    """Whether `user` has staff pages to go to: an admin, an instructor or a teaching assistant."""
    return staff_anywhere(user)
