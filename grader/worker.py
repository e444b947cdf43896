"""What a Celery worker does besides running tasks: warm the sandbox, announce its queues."""

import logging
import threading
import time

from celery.signals import worker_process_init, worker_ready
from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

log = logging.getLogger("torchgrade.worker")


def warm_sandbox(**kwargs):
    import torch

    from .runner import get_backend

    # The judge's tensor maths must not start OpenMP threads in a forked pool process.
    torch.set_num_threads(1)
    get_backend()


def start_heartbeat(sender, **kwargs):
    from .models import WorkerHeartbeat

    queues = sorted(sender.app.amqp.queues.consume_from)

    def beat():
        while True:
            try:
                close_old_connections()
                WorkerHeartbeat.objects.update_or_create(
                    hostname=sender.hostname, defaults={"queues": queues, "last_seen": timezone.now()}
                )
            except DatabaseError:
                log.warning("could not record the worker heartbeat", exc_info=True)
            time.sleep(settings.GRADER_HEARTBEAT_EVERY_S)

    threading.Thread(target=beat, name="worker-heartbeat", daemon=True).start()


def connect_worker_signals():
    worker_process_init.connect(warm_sandbox, weak=False, dispatch_uid="torchgrade-warm-sandbox")
    worker_ready.connect(start_heartbeat, weak=False, dispatch_uid="torchgrade-heartbeat")
