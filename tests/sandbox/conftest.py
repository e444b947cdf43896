"""Shared sandbox fixtures: one backend of each kind for the whole session (the fork server warms up once)."""
import glob
import os
import signal
import socket
import time

import pytest

from sandbox import IsolationUnavailable, cgroups, create_backend

PLANTED_SECRET = "tg-planted-secret-7f3a91"

# The slots run at a low CPU weight (cgroups.CPU_SHARES) so that grading yields to the site: on a
# busy machine a job gets a few percent of a core, and a bwrap job that touches a tensor imports
# torch (about 1.5 s of CPU) in a minute of wall time or more. A test that is not about the wall
# limit gives its jobs this one, so that it never ends on the wall limit first.
LOADED_MACHINE_WALL_S = 300

# For a job that must still be running while the test does something else: once ready, it calls
# ready_to_wait() and runs until `released`, when the test (release_the_waiting_job) sends SIGUSR1;
# the test sees it ready (wait_for_the_waiting_job) by the handler, however slow the machine is.
WAIT_FOR_RELEASE = """
import signal
released = []

def ready_to_wait():
    signal.signal(signal.SIGUSR1, lambda *_: released.append(True))
"""


def job_pids():
    """The host pids of the processes in the slot groups of this process's backends."""
    pattern = os.path.join(cgroups.ROOT, "pids", cgroups.PARENT, f"{socket.gethostname()}_{os.getpid()}_*",
                           "cgroup.procs")
    pids = []
    for path in glob.glob(pattern):
        try:
            with open(path) as handle:
                pids += [int(pid) for pid in handle.read().split()]
        except FileNotFoundError:  # a backend closing meanwhile
            pass
    return pids


def _catches_sigusr1(pid):
    try:
        with open(f"/proc/{pid}/status") as handle:
            caught = next(line for line in handle if line.startswith("SigCgt:")).split()[1]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return bool(int(caught, 16) & 1 << (signal.SIGUSR1 - 1))


def wait_for_the_waiting_job(timeout=LOADED_MACHINE_WALL_S):
    """The host pid of the job process that runs WAIT_FOR_RELEASE, once it has."""
    deadline = time.monotonic() + timeout
    while True:
        waiting = [pid for pid in job_pids() if _catches_sigusr1(pid)]
        if waiting:
            assert len(waiting) == 1, f"more than one job waits: {waiting}"
            return waiting[0]
        assert time.monotonic() < deadline, "no job got ready to wait"
        time.sleep(0.02)


def release_the_waiting_job(pid):
    try:
        os.kill(pid, signal.SIGUSR1)
    except ProcessLookupError:  # killed meanwhile: the test's assertions on its result say so
        pass


@pytest.fixture(scope="session")
def planted_secret_env():
    """A secret in the supervisor's environment, set before any backend starts."""
    os.environ["SECRET_KEY"] = PLANTED_SECRET
    yield PLANTED_SECRET
    os.environ.pop("SECRET_KEY", None)


def _start(kind):
    try:
        return create_backend(kind, slots=2)
    except IsolationUnavailable as exc:
        if os.geteuid() != 0:
            pytest.skip(f"sandbox tests need root: {exc}")
        raise


@pytest.fixture(scope="session")
def forkserver(planted_secret_env):
    backend = _start("forkserver")
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def bwrap(planted_secret_env):
    backend = _start("bwrap")
    yield backend
    backend.close()


@pytest.fixture(params=["forkserver", "bwrap"])
def backend(request):
    """Both backends, for the cases whose semantics they share."""
    return request.getfixturevalue(request.param)
