"""Pages of a session that began with an LTI launch may be framed by that launch's LMS only.

Everywhere else X-Frame-Options stays DENY. For such a session the response carries
`Content-Security-Policy: frame-ancestors 'self' <the LMS's origin>` instead (browsers honour it
over X-Frame-Options, which cannot name a site). It must come after
XFrameOptionsMiddleware in settings.MIDDLEWARE, so that it sees the response first.
"""

from django.db import DatabaseError

SESSION_KEY = "lti_platform_origin"


def launch_origin(request) -> str | None:
    """The LMS that launched this session, if the request read its session at all: a response
    that never did (a health check, a static file) is no page of the LMS's and stays DENY, and
    reading it now would cost a query, one that fails while the database is away."""
    session = getattr(request, "session", None)
    if session is None or not session.accessed:
        return None
    try:
        return session.get(SESSION_KEY)
    except DatabaseError:
        return None


class LtiFrameMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        origin = launch_origin(request)
        if origin and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = f"frame-ancestors 'self' {origin}"
            response.xframe_options_exempt = True
        return response
