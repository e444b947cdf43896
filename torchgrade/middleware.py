"""HTTP-level protection: oversized bodies, request floods, and a database that went away.

Each answers with a clear page and the right status instead of Django's bare 400 or a 500.
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import render
from django.template import engines
from django.template.loader import render_to_string

log = logging.getLogger("torchgrade.http")

DATABASE_ERRORS = (OperationalError, InterfaceError)

# Rendered without the request: the user menu would read the session from the database, and
# these pages must render when the database is down or the body was never read.
TOO_LARGE_PAGE = """{% extends "base.html" %}
{% block title %}Request too large{% endblock %}
{% block content %}
<h1>That was too large to send</h1>
<p>This site accepts at most {{ limit_kb }} KB in one request (code submissions at most
{{ code_kb }} KB). Nothing was saved and no attempt was used: shorten your code and try again.</p>
{% endblock %}
"""


def database_unavailable(request):
    log.warning("database unavailable", extra={"path": request.path}, exc_info=True)
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = "10"
    return response


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database answers 503 with a page saying to retry shortly.

    Nothing else is needed to recover: Django closes a connection that raised at the end of the
    request (and CONN_HEALTH_CHECKS replaces a stale one), so the next request reconnects.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            return database_unavailable(request)
        return None


class BodySizeLimitMiddleware:
    """Refuse a body above DATA_UPLOAD_MAX_MEMORY_SIZE with 413 before anything reads it.

    Django would only notice once a view (or the CSRF check) reads request.POST, and answer a
    bare "Bad Request (400)".
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            page = engines["django"].from_string(TOO_LARGE_PAGE).render({
                "limit_kb": limit // 1024, "code_kb": settings.GRADER_MAX_CODE_BYTES // 1024,
            })
            return HttpResponse(page, status=413)
        return self.get_response(request)


class RateLimitMiddleware:
    """At most RATE_LIMIT_REQUESTS requests per RATE_LIMIT_WINDOW_S per user (or per IP address
    for visitors who are not logged in); beyond that, 429 with a page saying when to come back.

    A fixed window counted in the default cache: with several web processes the cache must be
    shared (Redis, CACHE_URL), or each process counts on its own. Health checks are not counted.
    """

    EXEMPT_PATHS = ("/healthz", "/readyz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.RATE_LIMIT_REQUESTS
        if not limit or request.path in self.EXEMPT_PATHS:
            return self.get_response(request)
        try:
            who = f"user:{request.user.pk}" if request.user.is_authenticated else f"ip:{client_ip(request)}"
        except DATABASE_ERRORS:
            return database_unavailable(request)
        window = settings.RATE_LIMIT_WINDOW_S
        now = int(time.time())
        key = f"ratelimit:{who}:{now // window}"
        cache.add(key, 0, timeout=window + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # the key expired between add and incr
            count = 1
            cache.set(key, count, timeout=window + 1)
        if count > limit:
            retry_after = window - now % window
            if count == limit + 1:
                log.warning("rate limit reached", extra={"client": who, "path": request.path})
            response = render(request, "429.html", {"retry_after": retry_after}, status=429)
            response["Retry-After"] = str(retry_after)
            return response
        return self.get_response(request)


def client_ip(request):
    """The visitor's address: REMOTE_ADDR, or the header a trusted reverse proxy sets."""
    header = settings.RATE_LIMIT_IP_HEADER
    if header and request.META.get(header):
        # X-Forwarded-For may hold a chain; the proxy appends the address it saw last.
        return request.META[header].split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")
