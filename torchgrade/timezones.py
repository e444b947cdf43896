"""Times in the reader's own time zone.

The browser tells its zone (static/js/timezone.js sets the `tz` cookie from
Intl.DateTimeFormat); each request activates it, so deadlines and times render in it, named
(runs.late.shown_time). A zone the tz database does not know is ignored: the site's zone (UTC)
stays active, and times still say which zone they are in. Forms read a `datetime-local` value in
the active zone, so a deadline an instructor types means their own local time.
"""

import zoneinfo
from functools import cache
from urllib.parse import unquote

from django.utils import timezone

COOKIE = "tz"


@cache
def known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


class UserTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The script writes the name URL-encoded ("Europe%2FParis"): a cookie value has no "/" to spare.
        name = unquote(request.COOKIES.get(COOKIE, ""))
        if name in known_zones():
            timezone.activate(zoneinfo.ZoneInfo(name))
        else:
            timezone.deactivate()
        return self.get_response(request)
