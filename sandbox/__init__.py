"""torchgrade's sandbox: run untrusted Python/PyTorch code on given inputs under given limits.

See README.md. The trusted API is re-exported here; the modules the sandbox itself executes
(linux, seccomp, wire, runtime, jail, forkserver) never import the trusted side.
"""
from .api import IsolationUnavailable, Job, Limits, Result, Status
from .host import default_slots
from .supervisor import create_backend

__all__ = ["IsolationUnavailable", "Job", "Limits", "Result", "Status", "create_backend", "default_slots"]
