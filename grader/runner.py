"""The sandbox backend of this process: one per Celery pool process, started once and reused.

The fork server it starts is a separate, unprivileged process; this module only holds the
handle. Tests and the bench may swap it with `use_backend`.
"""

import atexit
import threading

from django.conf import settings

import sandbox

_lock = threading.Lock()
_backend = None


def get_backend():
    global _backend
    with _lock:
        if _backend is None:
            _backend = sandbox.create_backend(kind=settings.SANDBOX_BACKEND, slots=settings.SANDBOX_SLOTS)
            atexit.register(_backend.close)
        return _backend


def use_backend(backend):
    global _backend
    with _lock:
        _backend = backend
