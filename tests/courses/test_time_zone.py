"""Times are shown in the reader's time zone, named; the browser tells the zone in a cookie."""

from datetime import datetime, timezone as dt_timezone

from django.core.cache import cache

from tests.base import BaseTestCase
from tests.grader.factories import make_exercise


class TimeZoneTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()
        make_exercise(self.chapter, deadline=datetime(2030, 1, 15, 12, 0, tzinfo=dt_timezone.utc))
        self.url = "/courses/torch-101/tensors/exercises/outer/"
        self.login(self.alice)

    def test_a_deadline_is_shown_in_the_browsers_zone(self):
        self.client.cookies["tz"] = "Europe%2FParis"  # as static/js/timezone.js writes it
        self.assertContains(self.client.get(self.url), "Tue 15 Jan 2030, 13:00 CET")

    def test_without_a_zone_times_are_utc_and_say_so(self):
        self.assertContains(self.client.get(self.url), "Tue 15 Jan 2030, 12:00 UTC")

    def test_an_unknown_zone_is_ignored(self):
        self.client.cookies["tz"] = "Mars/Olympus_Mons"
        self.assertContains(self.client.get(self.url), "Tue 15 Jan 2030, 12:00 UTC")

    def test_every_page_tells_the_site_the_browsers_zone(self):
        self.assertContains(self.client.get("/"), "js/timezone.js")
