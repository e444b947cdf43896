"""What a Celery worker does besides running tasks: say it is alive, and prove its sandbox works.

The main process sends the heartbeat; each pool process owns a sandbox backend (grader.runner),
starts it after it told the main process it is up, and runs a canary job on it periodically,
recording the result on the worker's heartbeat row. /readyz wants a recent passing canary.
"""

import logging
import threading
import time
import uuid

import torch
from celery.signals import task_prerun, worker_init, worker_process_init, worker_ready
from django.conf import settings
from django.db import DatabaseError, close_old_connections

from torchgrade import metrics
from torchgrade.queues import kind_of

from . import jobs
from .models import WorkerHeartbeat
from .runner import get_backend

log = logging.getLogger("torchgrade.worker")

# Made once per start of a worker, in its main process (it imports this module before it forks
# its pool processes, which inherit it): the heartbeats and the claims of one start agree on it,
# and a replacement started with the same hostname has another.
WORKER_ID = uuid.uuid4().hex


def every(seconds: float, name: str, action) -> None:
    """Run `action` now and then every `seconds`, in a daemon thread, with fresh database connections."""
    def loop():
        while True:
            close_old_connections()
            try:
                action()
            except DatabaseError:
                log.warning("%s: the database did not answer", name, exc_info=True)
            except Exception:  # the loop must go on: a silent heartbeat reads as a dead worker
                log.exception("%s failed", name)
            time.sleep(seconds)

    threading.Thread(target=loop, name=name, daemon=True).start()


def served_queues(app) -> list[str]:
    """The kinds of queue (cpu, gpu) this worker consumes, as the site names them."""
    return sorted(kind_of(name) for name in app.amqp.queues.consume_from)


def register(sender, **kwargs):
    """In the main process, before the pool starts: the row the pool processes' canaries update."""
    queues = served_queues(sender.app)
    try:
        WorkerHeartbeat.beat(WORKER_ID, sender.hostname, queues)
    except DatabaseError:
        log.warning("could not record the worker heartbeat", exc_info=True)
    log.info("worker started", extra={"worker": WORKER_ID, "hostname": sender.hostname, "queues": queues})


def start_heartbeat(sender, **kwargs):
    queues = served_queues(sender.app)
    every(settings.GRADER_HEARTBEAT_EVERY_S, "worker-heartbeat",
          lambda: WorkerHeartbeat.beat(WORKER_ID, sender.hostname, queues))


def serve_metrics(sender, **kwargs):
    """In the main process, once its pool processes run: serve what they record (torchgrade/metrics.py)."""
    metrics.start_worker_endpoint()


def check_sandbox() -> bool:
    """Run a canary job on this process's sandbox (starting it if need be) and record the result."""
    try:
        ok = get_backend().canary()
        metrics.count_fork_server_restarts(get_backend())
    except Exception:  # a sandbox that cannot even start is the failure the canary is for
        log.exception("the sandbox could not run a canary job")
        ok = False
    if not ok:
        log.error("sandbox canary failed", extra={"worker": WORKER_ID})
    WorkerHeartbeat.record_canary(WORKER_ID, ok)
    return ok


def start_sandbox(**kwargs):
    """In each pool process. Its start-up must stay short: Celery kills a pool process that is not
    up within worker_proc_alive_timeout, so the fork server (torch, seconds on a busy machine) is
    started by the canary thread; a task that comes first waits for it in get_backend()."""
    # The judge's tensor maths must not start OpenMP threads in a forked pool process.
    torch.set_num_threads(1)
    every(settings.GRADER_CANARY_EVERY_S, "sandbox-canary", check_sandbox)


def record_task_wait(sender=None, task=None, **kwargs):
    """How long a task waited in its queue, from the time its sender wrote in its headers."""
    since = jobs.waiting_since(vars(task.request))
    if since is not None:
        metrics.record_task_wait(jobs.task_kind(task.name), time.time() - since)


def connect_worker_signals():
    worker_init.connect(register, weak=False, dispatch_uid="torchgrade-register")
    worker_ready.connect(start_heartbeat, weak=False, dispatch_uid="torchgrade-heartbeat")
    worker_ready.connect(serve_metrics, weak=False, dispatch_uid="torchgrade-metrics")
    worker_process_init.connect(start_sandbox, weak=False, dispatch_uid="torchgrade-sandbox")
    task_prerun.connect(record_task_wait, weak=False, dispatch_uid="torchgrade-task-wait")
