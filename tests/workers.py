"""Real Celery workers for end-to-end and browser tests.

A worker is a separate process, so it needs a database it can reach: these tests run in the
PostgreSQL pass of bin/test and skip themselves on SQLite's in-memory test database. Tasks go
through Redis database 15, so a developer's own worker never steals them.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

from grader.models import WorkerHeartbeat
from torchgrade.celery import app as celery_app
from torchgrade.queues import broker_queue

ROOT = Path(__file__).resolve().parents[1]


def database_url():
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("end-to-end tests need PostgreSQL (a worker process cannot see SQLite's in-memory test DB)")
    # DATABASE_URL with the test database's name (pytest-django renamed it), password kept
    original = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(original._replace(path=f"/{db['NAME']}"))


class Worker:
    """A real `celery worker` process, started in its own session so it can be killed whole.

    Its hostname is `name@e2e`; a worker started again under the same name gets a new worker_id.
    """

    def __init__(self, name, log_dir, concurrency=1, beat=False, env=None, kinds=("cpu",)):
        self.name, self.hostname = name, f"{name}@e2e"
        self.log = open(log_dir / f"{name}.log", "a")
        self.earlier_starts = set(WorkerHeartbeat.objects.filter(hostname=self.hostname)
                                  .values_list("worker_id", flat=True))
        self.worker_id = None
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "torchgrade.test_settings",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            # the test database has a name of its own: the worker must still serve this process's queue
            "GRADER_QUEUE_PREFIX": settings.GRADER_QUEUE_PREFIX,
            "GRADER_HEARTBEAT_EVERY_S": "1",
            "GRADER_CANARY_EVERY_S": "1",
            **(env or {}),
        }
        beat_arguments = ["--beat", "--schedule", str(log_dir / f"{name}-beat")] if beat else []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "torchgrade", "worker", "-Q", ",".join(map(broker_queue, kinds)),
             "--concurrency", str(concurrency), "-n", self.hostname, "--without-gossip", "--without-mingle",
             "--loglevel", "INFO", *beat_arguments],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def heartbeat(self):
        return WorkerHeartbeat.objects.filter(hostname=self.hostname).exclude(worker_id__in=self.earlier_starts).first()

    def wait_ready(self, timeout=90):
        """Until this start's heartbeat shows a sandbox that passed a canary job."""
        deadline = time.monotonic() + timeout
        while not ((beat := self.heartbeat()) and beat.canary_ok):
            assert self.process.poll() is None, f"worker {self.name} exited; see {self.log.name}"
            assert time.monotonic() < deadline, f"worker {self.name} not ready; see {self.log.name}"
            time.sleep(0.2)
        self.worker_id = beat.worker_id
        return self

    def pool_processes(self):
        return {int(pid) for pid in subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True,
                                                   text=True).stdout.split()}

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def processes():
    """pid -> (parent pid, command name, command line) for every process on the host."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            table[int(entry.name)] = (int(stat[stat.rindex(")") + 2:].split()[1]), name, cmdline)
    return table


def descendants(table, root):
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, (parent, _, _) in table.items() if parent in frontier} - found
        found |= frontier
    return found


def fork_servers(root_pid):
    """The sandbox fork servers under a process, each with its descendants (its jobs): the
    interpreter that bubblewrap started (its jobs are forks of it, with the same command line,
    but their parent is the server)."""
    table = processes()
    return {pid: descendants(table, pid) for pid in descendants(table, root_pid)
            if table[pid][1] != "bwrap" and "sandbox.forkserver" in table[pid][2]
            and table.get(table[pid][0], (0, ""))[1] == "bwrap"}


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def broker():
    """Empty cpu queues (gradings and background work) on the test broker."""
    with celery_app.connection_for_write() as connection:
        for kind in ("cpu", "cpu-background"):
            connection.default_channel.queue_purge(broker_queue(kind))


@pytest.fixture
def workers(transactional_db, broker, tmp_path):
    """Start real workers by name; each is stopped at the end of the test."""
    started = []

    def start(name, **options):
        worker = Worker(name, tmp_path, **options)
        started.append(worker)
        return worker.wait_ready()

    yield start
    for worker in started:
        worker.stop()
