"""The sandbox backend of this process: one per Celery pool process, started once and reused.

The fork server it starts is a separate, unprivileged process; this module only holds the
handle. Tests and the bench may swap it with `use_backend`.
"""

import atexit
import threading

from django.conf import settings

import sandbox

from judging.datasets import HIDDEN_FROM_JOBS

_lock = threading.Lock()
_backend = None


def new_backend(slots: int | None = None, cpu_shares: int | None = None):
    """A sandbox as the grader runs one: the configured kind, with the graded data sets hidden."""
    return sandbox.create_backend(kind=settings.SANDBOX_BACKEND, slots=slots or settings.SANDBOX_SLOTS,
                                  hidden_paths=[str(path) for path in HIDDEN_FROM_JOBS],
                                  cpu_shares=cpu_shares or settings.SANDBOX_CPU_SHARES)


def get_backend():
    global _backend
    with _lock:
        if _backend is None:
            _backend = new_backend()
            atexit.register(_backend.close)
        return _backend


def use_backend(backend):
    global _backend
    with _lock:
        _backend = backend
