"""Prometheus metrics: the web's /metrics (token, figures of the database and the broker) and
what grading records, scraped in this process and from a real worker's own endpoint."""

import socket
import urllib.request
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import override_settings
from django.utils import timezone
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from courses.models import Course
from grader import grading, jobs
from grader.models import Submission
from tests.base import BaseTestCase, make_chapter
from tests.grader.factories import OUTER_SOLUTION, make_exercise
from tests.workers import wait_for
from torchgrade import metrics
from torchgrade.celery import app
from torchgrade.queues import broker_queue

TOKEN = "s3cret-scrape-token"


def samples(exposition: str) -> dict:
    """{(sample name, frozenset of label items): value} of a text exposition."""
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(exposition) for s in family.samples}


def this_process() -> dict:
    """What this process recorded, read as a worker's main process serves it."""
    return samples(generate_latest(metrics.worker_registry()).decode())


def value(scrape: dict, name: str, **labels) -> float:
    return scrape.get((name, frozenset(labels.items())), 0.0)


@override_settings(METRICS_TOKEN=TOKEN)
class WebMetricsTests(BaseTestCase):
    def scrape(self, token=TOKEN):
        return self.client.get("/metrics", headers={"Authorization": f"Bearer {token}"} if token else {})

    @override_settings(METRICS_TOKEN="")
    def test_it_is_not_found_without_a_token_configured(self):
        self.assertEqual(self.scrape().status_code, 404)

    def test_it_refuses_a_missing_or_wrong_token(self):
        for token in (None, "wrong", TOKEN + "x", "ünïcode"):
            response = self.scrape(token)
            self.assertEqual(response.status_code, 401, token)
            self.assertEqual(response["WWW-Authenticate"], 'Bearer realm="metrics"')
        self.login(self.ada)  # being an admin is not enough: Prometheus has no session
        self.assertEqual(self.client.get("/metrics").status_code, 401)

    def test_it_gives_queue_depth_submissions_by_status_and_the_oldest_waiting(self):
        with app.connection_for_write() as connection:
            connection.default_channel.queue_purge(broker_queue("cpu"))
        exercise = make_exercise(self.chapter)
        Submission.objects.create(user=self.alice, exercise=exercise, version=exercise.current_version,
                                  code=OUTER_SOLUTION, enqueued_at=timezone.now() - timedelta(seconds=42))
        for _ in range(2):
            jobs.grade_submission_task.apply_async((0,), queue="cpu")
        response = self.scrape()
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Type"].startswith("text/plain; version="))
        scrape = samples(response.content.decode())
        self.assertEqual(value(scrape, "torchgrade_queue_depth", queue="cpu"), 2)
        self.assertEqual(value(scrape, "torchgrade_broker_up"), 1)
        self.assertEqual(value(scrape, "torchgrade_submissions", status="queued"), 1)
        self.assertEqual(value(scrape, "torchgrade_submissions", status="graded"), 0)
        self.assertGreaterEqual(value(scrape, "torchgrade_oldest_queued_seconds", queue="cpu"), 42)
        self.assertEqual(value(scrape, "torchgrade_oldest_queued_seconds", queue="gpu"), 0)
        self.assertEqual(value(scrape, "torchgrade_workers_able_to_grade", queue="cpu"), 0)
        self.assertEqual(value(scrape, "torchgrade_tasks_waiting", queue="cpu", task="grade_submission"), 2)
        self.assertGreaterEqual(value(scrape, "torchgrade_oldest_task_waiting_seconds", queue="cpu",
                                      task="grade_submission"), 0)
        with app.connection_for_write() as connection:
            connection.default_channel.queue_purge(broker_queue("cpu"))

    def test_a_broker_that_does_not_answer_is_a_figure_not_a_failure(self):
        app.conf.broker_url = "redis://127.0.0.1:9/0"
        try:
            response = self.scrape()
        finally:
            app.conf.broker_url = settings.CELERY_BROKER_URL
        scrape = samples(response.content.decode())
        self.assertEqual(value(scrape, "torchgrade_broker_up"), 0)
        self.assertNotIn(("torchgrade_queue_depth", frozenset({("queue", "cpu")})), scrape)


@pytest.mark.usefixtures("grading_backend")
class GradingMetricsTests(BaseTestCase):
    def test_a_grading_through_the_sandbox_is_counted_and_timed(self):
        exercise = make_exercise(self.chapter)
        submission = Submission.objects.create(user=self.alice, exercise=exercise, code=OUTER_SOLUTION,
                                               version=exercise.current_version)
        before = this_process()
        self.assertIsNotNone(grading.grade_submission(submission.pk))
        after = this_process()

        def grew(name, **labels):
            return value(after, name, **labels) - value(before, name, **labels)

        self.assertEqual(grew("torchgrade_gradings_total", outcome="graded"), 1)
        self.assertEqual(grew("torchgrade_queue_wait_seconds_count", queue="cpu"), 1)
        self.assertEqual(grew("torchgrade_judging_seconds_count"), 1)
        self.assertEqual(grew("torchgrade_submit_to_graded_seconds_count", queue="cpu"), 1)
        self.assertEqual(grew("torchgrade_sandbox_jobs_total", job="visible", status="ok"), 1)
        self.assertEqual(grew("torchgrade_sandbox_jobs_total", job="hidden", status="ok"), 1)
        # The jobs' own wall times: the grade keeps the longer one.
        self.assertAlmostEqual(max(grew("torchgrade_sandbox_run_seconds_sum", job="visible"),
                                   grew("torchgrade_sandbox_run_seconds_sum", job="hidden")),
                               submission.grades.get().wall_s, places=6)
        self.assertEqual(grew("torchgrade_sandbox_run_seconds_bucket", job="visible", le="+Inf"), 1)

        # Delivered again: the grade is not saved twice, and the scrape says it was a duplicate.
        Submission.objects.filter(pk=submission.pk).update(status="queued")
        self.assertIsNone(grading.grade_submission(submission.pk))
        self.assertEqual(value(this_process(), "torchgrade_gradings_total", outcome="duplicate")
                         - value(after, "torchgrade_gradings_total", outcome="duplicate"), 1)

    def test_a_submission_given_up_on_counts_as_an_error(self):
        exercise = make_exercise(self.chapter)
        submission = Submission.objects.create(user=self.alice, exercise=exercise, code=OUTER_SOLUTION,
                                               version=exercise.current_version)
        before = value(this_process(), "torchgrade_gradings_total", outcome="error")
        submission.fail("gave up")
        submission.fail("gave up again")  # already finished: not counted twice
        self.assertEqual(value(this_process(), "torchgrade_gradings_total", outcome="error") - before, 1)


def test_fork_server_restarts_are_counted_once_each():
    backend = SimpleNamespace(server_restarts=0)
    before = value(this_process(), "torchgrade_fork_server_restarts_total")
    metrics.count_fork_server_restarts(backend)
    backend.server_restarts = 2
    metrics.count_fork_server_restarts(backend)
    metrics.count_fork_server_restarts(backend)
    assert value(this_process(), "torchgrade_fork_server_restarts_total") - before == 2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.e2e
@pytest.mark.slow
def test_a_real_workers_endpoint_shows_what_its_pool_process_recorded(workers):
    port = free_port()
    workers("metrics", env={"METRICS_WORKER_PORT": str(port)})
    chapter = make_chapter(Course.objects.create(slug="torch-101", title="Torch 101"), "tensors", 1)
    submission = Submission.create_for(User.objects.create_user("alice"), make_exercise(chapter), OUTER_SOLUTION)
    wait_for(lambda: Submission.objects.get(pk=submission.pk).status == "graded", 60, "the grade")

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        scrape = samples(response.read().decode())
    # This start's directory is new: exactly this one grading, recorded by a forked pool process.
    assert value(scrape, "torchgrade_gradings_total", outcome="graded") == 1
    assert value(scrape, "torchgrade_queue_wait_seconds_count", queue="cpu") == 1
    assert value(scrape, "torchgrade_task_queue_wait_seconds_count", task="grade_submission") == 1
    assert value(scrape, "torchgrade_submit_to_graded_seconds_count", queue="cpu") == 1
    assert value(scrape, "torchgrade_sandbox_jobs_total", job="visible", status="ok") == 1
    assert value(scrape, "torchgrade_judging_seconds_count") == 1
    assert ("torchgrade_fork_server_restarts_total", frozenset()) in scrape
