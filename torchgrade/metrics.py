"""Prometheus metrics of the grader: every metric's name and meaning is defined here.

Two kinds of figures come from two kinds of processes:

- What the database and the broker know (queue depth per queue, submissions by status, the
  oldest waiting submission, workers able to grade) is read when the web's /metrics is scraped
  (`site_metrics`, from torchgrade.health's snapshot). Any web process answers alike, so
  gunicorn's several processes share nothing for it, and the web records nothing itself.
- What happens while grading (gradings by outcome; queue wait, of submissions and of every kind
  of task; sandbox run, judging and
  submit-to-graded times; sandbox job statuses; fork-server restarts) is recorded where it
  happens: in a Celery worker's pool processes, which the worker forks. prometheus-client's
  multiprocess mode keeps each process's values in files of one directory, and the worker's
  main process serves their sum (`start_worker_endpoint`): counters of a pool process that died
  or was replaced stay in the sum, as counters must. The alternative, each pool process serving
  a port of its own, would give Prometheus targets that come and go with the pool.

The directory is METRICS_DIR/<pid of the process that imported this module first>: new at each
start of a worker (a dead process's directory is removed then), shared by the processes that
process forks (they inherit this module), never by one started anew (a web process, a worker a
test starts), which imports this module itself. prometheus-client chooses where values live when
it is first imported: hence the environment variable set before the import below.
"""

import logging
import os
import shutil
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger("torchgrade.metrics")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _fresh_directory() -> Path:
    """This process's metrics directory, empty, with those of dead processes removed."""
    root = Path(settings.METRICS_DIR)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    for entry in root.iterdir():
        if entry.name.isdigit() and (int(entry.name) == os.getpid() or not _alive(int(entry.name))):
            shutil.rmtree(entry, ignore_errors=True)
    directory = root / str(os.getpid())
    directory.mkdir(mode=0o700)
    return directory


if "prometheus_client" in sys.modules:
    raise ImproperlyConfigured("prometheus_client was imported before torchgrade.metrics: import it "
                               "only through this module, or pool processes' metrics are lost")
DIRECTORY = _fresh_directory()
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(DIRECTORY)

from prometheus_client import (  # noqa: E402 - after PROMETHEUS_MULTIPROC_DIR, see the docstring
    CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, start_http_server)
from prometheus_client.core import GaugeMetricFamily  # noqa: E402
from prometheus_client.multiprocess import MultiProcessCollector  # noqa: E402

# From a tiny job (tens of ms) to the task's hard time limit (180 s) and a long wait in the queue.
SECONDS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 180, 600, 1800)

GRADINGS = Counter("torchgrade_gradings", "Gradings of submissions by how they ended: graded, duplicate "
                   "(a task delivered again), requeued (sandbox unavailable), error (given up, our fault), "
                   "regraded", ["outcome"])
QUEUE_WAIT = Histogram("torchgrade_queue_wait_seconds", "From being queued to being claimed by a worker",
                       ["queue"], buckets=SECONDS_BUCKETS)
TASK_QUEUE_WAIT = Histogram("torchgrade_task_queue_wait_seconds", "From being sent (or the end of its countdown) to "
                            "starting on a worker, by kind of task (grade_submission, validate_exercise, "
                            "fill_reference_pool, regrade_submission...)", ["task"], buckets=SECONDS_BUCKETS)
SANDBOX_RUN = Histogram("torchgrade_sandbox_run_seconds", "Wall time of one sandbox job of a student's code, "
                        "by job (visible or hidden checks)", ["job"], buckets=SECONDS_BUCKETS)
SANDBOX_JOBS = Counter("torchgrade_sandbox_jobs", "Sandbox jobs by job and status", ["job", "status"])
JUDGING = Histogram("torchgrade_judging_seconds", "Evaluating one submission: its probes, sandbox jobs "
                    "and comparisons", buckets=SECONDS_BUCKETS)
SUBMIT_TO_GRADED = Histogram("torchgrade_submit_to_graded_seconds", "From submitting to being graded",
                             ["queue"], buckets=SECONDS_BUCKETS)
FORK_SERVER_RESTARTS = Counter("torchgrade_fork_server_restarts", "Sandbox fork servers replaced")
CONTENT_TYPE = CONTENT_TYPE_LATEST

# How many of this process's backend's fork-server restarts FORK_SERVER_RESTARTS already counts
# (grader.runner gives each process one backend).
_restarts_counted: dict[int, int] = {}  # per backend (by id): restarts already counted


def record_claim(submission) -> None:
    """A worker claimed `submission`: how long it waited in its queue since it was (re)queued."""
    queued_at = submission.enqueued_at or submission.created_at  # without enqueued_at: queued when created
    QUEUE_WAIT.labels(submission.exercise.queue).observe((submission.started_at - queued_at).total_seconds())


def record_task_wait(task: str, seconds: float) -> None:
    """A task of kind `task` starts after waiting `seconds` in its queue."""
    TASK_QUEUE_WAIT.labels(task).observe(max(seconds, 0.0))


def record_grading(submission, outcome: str) -> None:
    """A grading of `submission` ended with `outcome` (see GRADINGS); a first grade also says how
    long the student waited for it."""
    GRADINGS.labels(outcome).inc()
    if outcome == "graded":
        SUBMIT_TO_GRADED.labels(submission.exercise.queue).observe(
            (submission.finished_at - submission.created_at).total_seconds())


def record_evaluation(evaluation, began: float) -> None:
    """One evaluation that started at time.monotonic() `began`: its time and its student jobs."""
    JUDGING.observe(time.monotonic() - began)
    for job, result in (("visible", evaluation.shown), ("hidden", evaluation.hidden)):
        if result is not None:
            SANDBOX_RUN.labels(job).observe(result.wall_s)
            SANDBOX_JOBS.labels(job, result.status.value).inc()


def count_fork_server_restarts(backend) -> None:
    """Count the fork servers `backend` replaced since the last call for it."""
    counted = _restarts_counted.get(id(backend), 0)
    if backend.server_restarts > counted:
        FORK_SERVER_RESTARTS.inc(backend.server_restarts - counted)
        _restarts_counted[id(backend)] = backend.server_restarts


def worker_registry() -> CollectorRegistry:
    """The sum over this process and every process it forked."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(DIRECTORY))
    return registry


def start_worker_endpoint() -> None:
    """In a worker's main process: serve its metrics on the configured inside address, if any."""
    if not settings.METRICS_WORKER_PORT:
        return
    address, port = settings.METRICS_WORKER_ADDRESS, settings.METRICS_WORKER_PORT
    try:
        start_http_server(port, addr=address, registry=worker_registry())
    except OSError:  # the worker still grades; its metrics are missing, and Prometheus says so
        log.exception("cannot serve the worker's metrics on %s:%d", address, port)
        return
    log.info("worker metrics served", extra={"address": address, "port": port})


class SiteCollector:
    """The figures of the database and the broker, read at each scrape from `snapshot`
    (torchgrade.health.QueueSnapshot)."""

    def __init__(self, snapshot):
        self.snapshot = snapshot

    def collect(self):
        snapshot = self.snapshot
        depth = GaugeMetricFamily("torchgrade_queue_depth", "Tasks waiting in each broker queue", labels=["queue"])
        broker_up = GaugeMetricFamily("torchgrade_broker_up", "Whether the broker answered this scrape")
        broker_up.add_metric([], 0 if snapshot.queue_depths is None else 1)
        for queue, length in (snapshot.queue_depths or {}).items():
            depth.add_metric([queue], length)
        by_status = GaugeMetricFamily("torchgrade_submissions", "Submissions by status", labels=["status"])
        for status, count in snapshot.by_status.items():
            by_status.add_metric([status], count)
        oldest = GaugeMetricFamily("torchgrade_oldest_queued_seconds",
                                   "Age of the oldest submission waiting in each queue (0: none)", labels=["queue"])
        able = GaugeMetricFamily("torchgrade_workers_able_to_grade",
                                 "Live workers whose sandbox passed a recent canary, per queue", labels=["queue"])
        for row in snapshot.queues:
            oldest.add_metric([row.name], row.oldest_waiting_s or 0)
            able.add_metric([row.name], row.workers_able)
        tasks = GaugeMetricFamily("torchgrade_tasks_waiting", "Tasks waiting in each broker queue, by kind of task",
                                  labels=["queue", "task"])
        oldest_task = GaugeMetricFamily("torchgrade_oldest_task_waiting_seconds", "How long the oldest task of each "
                                        "kind has waited in each broker queue", labels=["queue", "task"])
        for row in snapshot.waiting_tasks:
            tasks.add_metric([row.queue, row.task], row.count)
            if row.oldest_s is not None:
                oldest_task.add_metric([row.queue, row.task], row.oldest_s)
        return [depth, broker_up, by_status, oldest, able, tasks, oldest_task]


def site_metrics(snapshot) -> bytes:
    registry = CollectorRegistry()
    registry.register(SiteCollector(snapshot))
    return generate_latest(registry)

