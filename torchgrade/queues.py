"""The broker's queue names of this instance: its tasks reach only its own workers.

A grading task carries a submission's id, which means something only in the database it was
made in. Two instances on one host (two checkouts, each with `bin/serve`) used to share Redis
database 0 and the queue `cpu`: one instance's worker took the other's tasks, found no such
submission and dropped them. So each instance's queues are named after its database, hashed
(`tg-3f9a1c2e.cpu`): instances sharing a database share their queues, as they should, and no
other instance's worker listens there. GRADER_QUEUE_PREFIX names them explicitly.

The site speaks of the kinds (Exercise.queue, heartbeats, metrics): `cpu` and `gpu` for students'
gradings, `cpu-background` and `gpu-background` for the work that may wait (validation, reference
answers computed ahead, regrades), served by workers of their own, so that a long background task
never holds the capacity a grading needs. The names on the broker are made here, where tasks are
sent, counted and consumed.
`python -m torchgrade.queues cpu,gpu` prints the names to give `celery worker --queues`.
"""

import hashlib
import os
import sys

from django.conf import settings

GRADING_KINDS = ("cpu", "gpu")
KINDS = GRADING_KINDS + tuple(f"{kind}-background" for kind in GRADING_KINDS)


def default_prefix(database: dict) -> str:
    """A prefix that names the database: its engine, host, port and name (a SQLite file's path)."""
    identity = "|".join(str(database.get(key) or "") for key in ("ENGINE", "HOST", "PORT", "NAME"))
    return f"tg-{hashlib.sha256(identity.encode()).hexdigest()[:8]}."


def background_queue(kind: str) -> str:
    """The kind of queue for the background work of exercises graded on `kind` (cpu or gpu)."""
    return f"{kind}-background"


def broker_queue(kind: str) -> str:
    """The broker's name of this instance's queue of `kind` (one of KINDS)."""
    if kind not in KINDS:
        raise ValueError(f"a queue is one of {KINDS}, got {kind!r}")
    return f"{settings.GRADER_QUEUE_PREFIX}{kind}"


def kind_of(name: str) -> str:
    """The kind of one of this instance's broker queues (the name itself for any other queue)."""
    return next((kind for kind in KINDS if broker_queue(kind) == name), name)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "torchgrade.settings")
    print(",".join(broker_queue(kind) for kind in sys.argv[1].split(",")))
