"""Pages of a session that began with an LTI launch may be framed by that launch's LMS only.

Everywhere else X-Frame-Options stays DENY. For such a session the response carries
`Content-Security-Policy: frame-ancestors 'self' <the LMS's origin>` instead (browsers honour it
over X-Frame-Options, which cannot name a site). It must come after
XFrameOptionsMiddleware in settings.MIDDLEWARE, so that it sees the response first.
"""

SESSION_KEY = "lti_platform_origin"


class LtiFrameMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        origin = session.get(SESSION_KEY) if session is not None else None
        if origin and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = f"frame-ancestors 'self' {origin}"
            response.xframe_options_exempt = True
        return response
