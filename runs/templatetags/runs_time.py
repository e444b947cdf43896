from django import template

from runs.late import shown_time as shown

register = template.Library()


@register.filter
def shown_time(moment):
    """A moment in the viewer's time zone, with the zone's name."""
    return shown(moment) if moment else ""
