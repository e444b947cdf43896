"""/healthz, /readyz and the admins' queue page."""

from datetime import timedelta
from unittest import mock

from django.conf import settings
from django.db import OperationalError
from django.test import override_settings
from django.utils import timezone

from grader.models import Submission, WorkerHeartbeat
from tests.base import BaseTestCase
from tests.grader.factories import make_exercise
from torchgrade.celery import app


class HealthzTests(BaseTestCase):
    def test_it_says_ok_without_touching_the_database(self):
        with self.assertNumQueries(0):
            response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"ok")
        self.assertEqual(response["Content-Type"], "text/plain")


class ReadyzTests(BaseTestCase):
    def beat(self, queues=("cpu",), age_s=0, canary_ok=True, canary_age_s=0, hostname=None):
        n = WorkerHeartbeat.objects.count()
        now = timezone.now()
        WorkerHeartbeat.objects.create(
            worker_id=f"start-{n}", hostname=hostname or f"w{n}@h", queues=list(queues),
            last_seen=now - timedelta(seconds=age_s), canary_ok=canary_ok,
            canary_at=now - timedelta(seconds=canary_age_s) if canary_ok is not None else None)

    def readyz(self, user=None):
        if user:
            self.login(user)
        return self.client.get("/readyz")

    def test_ready_when_the_database_the_broker_and_a_cpu_workers_sandbox_answer(self):
        self.beat()
        response = self.readyz()
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json(), {"ready": True, "checks": {
            "database": {"ok": True}, "broker": {"ok": True}, "sandbox": {"ok": True}}})

    def test_superusers_see_the_details(self):
        self.beat(hostname="cpu@h1")
        for user in (self.alice, self.ian):
            self.assertNotIn(b"cpu@h1", self.readyz(user).content)
        checks = self.readyz(self.ada).json()["checks"]
        self.assertEqual(checks["sandbox"],
                         {"ok": True, "detail": "1 cpu worker(s) whose sandbox passed a canary job: cpu@h1"})
        self.assertEqual(checks["database"], {"ok": True, "detail": "reachable"})

    def test_no_fresh_cpu_worker_means_not_ready(self):
        self.beat(age_s=settings.GRADER_WORKER_STALE_S + 1)
        self.beat(queues=["gpu"])
        response = self.readyz(self.ada)
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json()["checks"]["sandbox"], {
            "ok": False, "detail": "no live cpu grading worker whose sandbox passed a canary job in the last 60 s"})

    def test_a_worker_whose_sandbox_failed_its_canary_means_not_ready(self):
        self.beat(canary_ok=False)
        response = self.readyz()
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json(), {"ready": False, "checks": {
            "database": {"ok": True}, "broker": {"ok": True}, "sandbox": {"ok": False}}})

    def test_a_worker_whose_canary_stopped_or_never_ran_means_not_ready(self):
        self.beat(canary_age_s=settings.GRADER_CANARY_STALE_S + 1)
        self.beat(canary_ok=None)
        self.assertEqual(self.readyz().status_code, 503)

    @override_settings(CELERY_BROKER_URL="redis://127.0.0.1:9/0")
    def test_a_broker_that_does_not_answer_means_not_ready(self):
        self.beat()
        response = self.readyz()
        self.assertEqual(response.status_code, 503)
        checks = response.json()["checks"]
        self.assertFalse(checks["broker"]["ok"])
        self.assertTrue(checks["database"]["ok"])

    def test_a_database_that_does_not_answer_means_not_ready(self):
        self.login(self.ada)
        with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("gone")):
            response = self.client.get("/readyz")
        self.assertEqual(response.status_code, 503)
        # Without the database nobody is known to be a superuser: no details.
        self.assertEqual(response.json()["checks"]["database"], {"ok": False})
        self.assertFalse(response.json()["checks"]["sandbox"]["ok"])


class StaffQueueTests(BaseTestCase):
    def test_only_superusers_see_it(self):
        self.assertEqual(self.client.get("/staff/queue/").status_code, 403)
        for user in (self.alice, self.ian):
            self.login(user)
            self.assertEqual(self.client.get("/staff/queue/").status_code, 403)

    def test_it_shows_queue_lengths_statuses_and_grading_latency(self):
        exercise = make_exercise(self.chapter)
        now = timezone.now()
        for i, (user, status, took_s) in enumerate([(self.alice, "graded", 2), (self.bob, "graded", 4),
                                                    (self.ian, "graded", 10), (self.oscar, "queued", None)]):
            Submission.objects.create(
                user=user, exercise=exercise, version=exercise.current_version, code="x", status=status,
                created_at=now - timedelta(seconds=30 + i), enqueued_at=now - timedelta(seconds=30 + i),
                finished_at=now - timedelta(seconds=30 + i - took_s) if took_s else None,
            )
        WorkerHeartbeat.objects.create(worker_id="start-1", hostname="cpu@h1", queues=["cpu"], last_seen=now)
        self.login(self.ada)
        body = self.client.get("/staff/queue/").json()
        self.assertEqual(set(body["queues"]), {"cpu", "gpu", "cpu-background", "gpu-background"})
        self.assertEqual(body["submissions"], {"queued": 1, "running": 0, "graded": 3, "error": 0})
        self.assertEqual(body["graded_last_hour"], 3)
        self.assertEqual(body["latency_s"], {"p50": 4.0, "p95": 10.0, "max": 10.0})
        self.assertGreaterEqual(body["oldest_queued_s"], 33)
        self.assertEqual([w["hostname"] for w in body["workers"]], ["cpu@h1"])

    def test_a_broker_that_does_not_answer_still_shows_what_the_database_knows(self):
        self.login(self.ada)
        app.conf.broker_url = "redis://127.0.0.1:9/0"
        try:
            body = self.client.get("/staff/queue/").json()
        finally:
            app.conf.broker_url = settings.CELERY_BROKER_URL
        self.assertIn("the broker did not answer", body["queues"]["error"])
        self.assertEqual(body["submissions"]["graded"], 0)
