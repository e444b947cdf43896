"""The database stops for a while: pages answer 503 with a clear page, then recover by themselves.

The machine's PostgreSQL is never stopped: a fault is either a cursor that raises (both database
engines), or, on PostgreSQL, the site's connections killed by the server and the database's port
made unreachable, seen through a real WSGI server (pytest-django's live server).
"""

import urllib.error
import urllib.request
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.db import InterfaceError, OperationalError, connection, connections
from django.test import override_settings

from courses.models import Course
from tests.base import BaseTestCase, make_chapter

FAIL_QUERIES = "django.db.backends.utils.CursorWrapper.execute"


class DatabaseErrorPageTests(BaseTestCase):
    def test_a_page_that_cannot_reach_the_database_answers_503_then_recovers(self):
        self.login(self.alice)
        url = self.chapter.get_absolute_url()
        for error in (OperationalError("server closed the connection unexpectedly"),
                      InterfaceError("connection already closed")):
            with mock.patch(FAIL_QUERIES, side_effect=error):
                response = self.client.get(url)
            self.assertContains(response, "torchgrade is back in a moment", status_code=503)
            self.assertEqual(response["Retry-After"], "10")
            self.assertContains(self.client.get(url), self.chapter.title)

    @override_settings(RATE_LIMIT_REQUESTS=100)
    def test_the_rate_limit_reading_the_session_also_answers_503(self):
        self.login(self.alice)
        with mock.patch(FAIL_QUERIES, side_effect=OperationalError("the database system is starting up")):
            response = self.client.get("/")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(self.client.get("/").status_code, 200)

    def test_other_errors_are_not_mistaken_for_an_outage(self):
        with mock.patch(FAIL_QUERIES, side_effect=ValueError("a bug")), self.assertRaises(ValueError):
            self.client.get("/")


def fetch(url, session):
    request = urllib.request.Request(url, headers={"Cookie": f"sessionid={session}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.django_db(transaction=True)
def test_a_live_server_answers_503_while_the_database_is_gone_and_recovers(live_server, client):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite's in-memory test database cannot go away")
    make_chapter(Course.objects.create(slug="torch-101", title="Torch 101"), "tensors", 1)
    client.force_login(User.objects.create_user("alice"))
    session = client.cookies["sessionid"].value
    page = f"{live_server.url}/courses/torch-101/tensors/"
    assert fetch(page, session) == (200, mock.ANY)

    settings_dict = connections.databases["default"]
    real_port = settings_dict["PORT"]
    with connection.cursor() as cursor:  # what a restart does to every open session
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    settings_dict["PORT"] = 9  # and, while it is down, nothing answers
    try:
        for _ in range(3):
            status, body = fetch(page, session)
            assert status == 503
            assert "torchgrade is back in a moment" in body
    finally:
        settings_dict["PORT"] = real_port
    status, body = fetch(page, session)
    assert status == 200 and "Chapter tensors" in body
