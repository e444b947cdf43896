"""The admins' queue page: an HTML page for browsers (JSON for tools) with the workers, the queues,
the oldest waiting submission, latency percentiles and recent errors."""

import re
import time
from datetime import timedelta
from unittest import mock

from django.conf import settings
from django.utils import timezone

from grader import jobs
from grader.models import Submission, WorkerHeartbeat
from tests.base import BaseTestCase
from tests.grader.factories import make_exercise
from torchgrade.celery import app
from torchgrade.queues import broker_queue

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class QueuePageTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.exercise = make_exercise(self.chapter)  # titled "Outer product"
        self.now = timezone.now()

    def submission(self, user, status, age_s, took_s=None, waited_s=0, error=""):
        created = self.now - timedelta(seconds=age_s)
        return Submission.objects.create(
            user=user, exercise=self.exercise, version=self.exercise.current_version, code="x", status=status,
            created_at=created, enqueued_at=created, started_at=created + timedelta(seconds=waited_s),
            finished_at=created + timedelta(seconds=took_s) if took_s is not None else None, error_message=error)

    def page(self, **headers):
        self.login(self.ada)
        return self.client.get("/staff/queue/", headers={"Accept": BROWSER, **headers})

    def test_only_superusers_see_it(self):
        self.assertEqual(self.client.get("/staff/queue/", headers={"Accept": BROWSER}).status_code, 403)
        for user in (self.alice, self.ian):
            self.login(user)
            self.assertEqual(self.client.get("/staff/queue/", headers={"Accept": BROWSER}).status_code, 403)

    def test_a_browser_gets_the_workers_queues_oldest_waiting_latency_and_errors(self):
        for user, took_s, waited_s in ((self.alice, 2, 1), (self.bob, 4, 1), (self.ian, 10, 3)):
            self.submission(user, "graded", 100, took_s, waited_s)
        waiting = self.submission(self.oscar, "queued", 75)
        failed = self.submission(self.ada, "error", 50, took_s=5, error="The grader failed on this submission.")
        WorkerHeartbeat.objects.create(worker_id="start-1", hostname="cpu@h1", queues=["cpu"], last_seen=self.now,
                                       canary_ok=True, canary_at=self.now)
        WorkerHeartbeat.objects.create(worker_id="start-0", hostname="cpu@h0", queues=["cpu"], canary_ok=False,
                                       last_seen=self.now - timedelta(seconds=settings.GRADER_WORKER_STALE_S + 5))
        response = self.page()
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Type"].startswith("text/html"))
        self.assertIn("Accept", response["Vary"])
        self.assertContains(response, "<h1>Grading queue</h1>", html=True)
        # The oldest waiting submission, linked to its review page, with its age.
        self.assertContains(response, f'<a href="/staff/submissions/{waiting.pk}/">#{waiting.pk}</a>', html=True)
        self.assertRegex(response.content.decode(), r"\(Outer product, oscar\), waiting 7\d\.\d s")
        # p50, p95 and max of submit-to-graded (2, 4, 10 s) and of waiting in the queue (1, 1, 3 s).
        self.assertContains(response, "<tr><th scope=\"row\">Submit to graded</th><td>4.0</td><td>10.0</td>"
                                      "<td>10.0</td></tr>", html=True)
        self.assertContains(response, "<tr><th scope=\"row\">Waiting in the queue</th><td>1.0</td><td>3.0</td>"
                                      "<td>3.0</td></tr>", html=True)
        self.assertContains(response, "3 submissions graded.")
        # Workers: the live one passed its canary, the stale one is marked so.
        body = response.content.decode()
        self.assertLess(body.index("cpu@h0"), body.index("cpu@h1"))
        self.assertContains(response, '<span class="badge ok">alive</span>', count=1, html=True)
        self.assertContains(response, '<span class="badge bad">stale</span>', count=1, html=True)
        self.assertContains(response, '<span class="badge bad">failed</span>', count=1, html=True)
        # The recent error, with its message.
        self.assertContains(response, f'<a href="/staff/submissions/{failed.pk}/">#{failed.pk}</a>', html=True)
        self.assertContains(response, "The grader failed on this submission.")

    def test_an_empty_grader_says_so(self):
        response = self.page()
        self.assertContains(response, "No worker has sent a heartbeat.")
        self.assertContains(response, "No submission ended in error.")
        self.assertContains(response, '<span class="badge bad">none</span>', count=2, html=True)

    def test_a_broker_that_does_not_answer_is_said_on_the_page(self):
        app.conf.broker_url = "redis://127.0.0.1:9/0"
        try:
            response = self.page()
        finally:
            app.conf.broker_url = settings.CELERY_BROKER_URL
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "the broker did not answer")

    def test_tools_get_json(self):
        failed = self.submission(self.ada, "error", 50, took_s=5, error="oops")
        for headers, query in (({}, ""), ({"Accept": "application/json"}, ""), ({"Accept": BROWSER}, "?format=json")):
            self.login(self.ada)
            response = self.client.get(f"/staff/queue/{query}", headers=headers)
            self.assertEqual(response["Content-Type"], "application/json", (headers, query))
            body = response.json()
            self.assertEqual(body["recent_errors"], [{
                "submission": failed.pk, "exercise": "Outer product", "user": "ada",
                "finished_at": failed.finished_at.isoformat(), "message": "oops"}])
            self.assertEqual(body["oldest_queued_s_by_queue"], {"cpu": None, "gpu": None})


class WaitingByTaskTests(BaseTestCase):
    """Against the real broker: how many tasks of each kind wait in each queue, and for how long."""

    def purge(self):
        with app.connection_for_write() as connection:
            for kind in ("cpu", "cpu-background"):
                connection.default_channel.queue_purge(broker_queue(kind))

    def test_the_page_and_its_json_show_the_waiting_tasks_by_kind_and_the_oldest_wait(self):
        self.purge()
        self.addCleanup(self.purge)
        sent = time.time()
        with mock.patch("grader.jobs.time.time", return_value=sent - 42):
            jobs.validate_exercise_task.apply_async((1,), queue="cpu-background")
        for queue in ("cpu-background", "cpu-background", "cpu"):
            jobs.fill_reference_pool_task.apply_async((1,), queue=queue)
        self.login(self.ada)
        rows = {(row["queue"], row["task"]): (row["count"], row["oldest_s"])
                for row in self.client.get("/staff/queue/?format=json").json()["waiting_tasks"]}
        self.assertEqual({key: count for key, (count, _) in rows.items()}, {
            ("cpu-background", "validate_exercise"): 1, ("cpu-background", "fill_reference_pool"): 2,
            ("cpu", "fill_reference_pool"): 1})
        self.assertGreaterEqual(rows["cpu-background", "validate_exercise"][1], 42)
        self.assertLess(rows["cpu-background", "fill_reference_pool"][1], 42)
        page = self.client.get("/staff/queue/", headers={"Accept": BROWSER}).content.decode()
        shown = re.search(r'<th scope="row">cpu-background</th><td>validate_exercise</td><td>1</td><td>([\d.]+) s</td>',
                          page)
        self.assertGreaterEqual(float(shown.group(1)), 42)
