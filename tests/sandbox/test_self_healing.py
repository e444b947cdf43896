"""A broken fork server is replaced by itself; a job the sandbox never started is never charged."""
import logging
import os
import signal
import time

import pytest

from sandbox import Job, Limits, Status, create_backend, host

from .test_run import _cmdline, _descendants

QUICK = Limits(wall_s=2, cpu_s=2)


@pytest.fixture
def forkserver_alone():
    """A fork server of its own: the tests below break it."""
    with create_backend("forkserver", slots=1) as backend:
        yield backend


def _freeze(backend):
    """SIGSTOP the fork server's interpreter: it still accepts job messages but never forks."""
    # the processes it forks share its command line, and one of a job that just ended may still be exiting
    server = min((pid for pid in _descendants(backend.server_pid)
                  if _cmdline(pid).startswith(host.PYTHON) and "from sandbox.forkserver" in _cmdline(pid)),
                 key=_start_time)
    os.kill(server, signal.SIGSTOP)
    deadline = time.monotonic() + 5
    while _state(server) != "T":  # the signal takes effect when the server next runs
        assert time.monotonic() < deadline, f"the fork server is still {_state(server)}"
        time.sleep(0.01)
    return server


def _state(pid):
    with open(f"/proc/{pid}/stat") as handle:
        return handle.read().rsplit(")", 1)[1].split()[0]


def _start_time(pid):
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[19])
    except FileNotFoundError:  # gone already: not the server
        return float("inf")


@pytest.mark.slow
def test_a_job_the_server_never_started_is_a_sandbox_error_not_a_time_limit(forkserver_alone):
    _freeze(forkserver_alone)
    result = forkserver_alone.run(Job(main="RESULT = 1", limits=QUICK))
    assert (result.status, result.error) == (Status.SANDBOX_ERROR, "the sandbox did not start the job within 2 s")


@pytest.mark.slow
def test_two_sandbox_errors_in_a_row_replace_the_fork_server(forkserver_alone, caplog):
    frozen = _freeze(forkserver_alone)
    with caplog.at_level(logging.WARNING, logger="torchgrade.sandbox"):
        first = forkserver_alone.run(Job(main="RESULT = 1", limits=QUICK))
        assert forkserver_alone.server_restarts == 0  # one error is not yet a pattern
        second = forkserver_alone.run(Job(main="RESULT = 2", limits=QUICK))
    assert [first.status, second.status] == [Status.SANDBOX_ERROR] * 2
    assert forkserver_alone.server_restarts == 1
    assert "replacing the sandbox fork server: 2 jobs in a row ended in sandbox_error" in caplog.text
    assert not os.path.exists(f"/proc/{frozen}")  # the frozen server is gone, not left behind
    result = forkserver_alone.run(Job(main="RESULT = 'back'"))
    assert (result.status, result.value) == (Status.OK, "back"), result.error


@pytest.mark.slow
def test_errors_that_are_not_in_a_row_keep_the_fork_server(forkserver_alone):
    frozen = _freeze(forkserver_alone)
    assert forkserver_alone.run(Job(main="RESULT = 1", limits=QUICK)).status == Status.SANDBOX_ERROR
    os.kill(frozen, signal.SIGCONT)
    assert forkserver_alone.run(Job(main="1 / 0")).status == Status.RUNTIME_ERROR  # the student's, not ours
    _freeze(forkserver_alone)
    assert forkserver_alone.run(Job(main="RESULT = 1", limits=QUICK)).status == Status.SANDBOX_ERROR
    assert forkserver_alone.server_restarts == 0


@pytest.mark.slow
def test_a_failing_canary_replaces_the_fork_server_and_passes(forkserver_alone):
    assert forkserver_alone.canary() is True
    _freeze(forkserver_alone)
    assert forkserver_alone.canary() is True
    assert forkserver_alone.server_restarts == 1
    assert forkserver_alone.run(Job(main="RESULT = 'back'")).value == "back"


@pytest.mark.parametrize("kind", ["forkserver", "bwrap"])
def test_the_canary_fails_when_no_job_can_run(kind, monkeypatch):
    with create_backend(kind, slots=1) as backend:
        assert backend.canary() is True
        # a slot whose cgroup cannot be prepared: every job is a sandbox_error, even after a restart
        monkeypatch.setattr(backend._slots[0], "prepare", _broken_prepare)
        assert backend.canary() is False


def _broken_prepare(limits):
    raise OSError("the cgroup hierarchy is gone")
