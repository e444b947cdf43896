"""Grading yields to the web: sandbox jobs run at a low CPU weight, and the slots leave a core free."""
import glob
import os
import socket
import threading
import time

from sandbox import Job, cgroups, default_slots


def _running_job_pid(timeout=30):
    """A process of a job of this test process that has joined its slot's cpu group."""
    pattern = os.path.join(cgroups.ROOT, "cpu", cgroups.PARENT, f"{socket.gethostname()}_{os.getpid()}_*", "cgroup.procs")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for procs in glob.glob(pattern):
            pids = open(procs).read().split()
            if pids:
                return int(pids[0])
        time.sleep(0.01)
    raise AssertionError("no job started")


def _cpu_group_of(pid):
    for line in open(f"/proc/{pid}/cgroup"):
        _number, controllers, path = line.rstrip("\n").split(":", 2)
        if "cpu" in controllers.split(","):
            return os.path.join(cgroups.ROOT, "cpu", path.lstrip("/"))
    raise AssertionError(f"process {pid} is in no cpu group")


def _shares(directory):
    with open(os.path.join(directory, "cpu.shares")) as handle:
        return int(handle.read())


def test_a_running_job_is_in_a_group_of_low_cpu_weight_under_a_parent_of_low_weight(forkserver):
    job = threading.Thread(target=lambda: forkserver.run(Job(main="import time\ntime.sleep(1)")))
    job.start()
    try:
        group = _cpu_group_of(_running_job_pid())
        # the parent's weight is the one the web's processes compete with
        assert (_shares(group), _shares(os.path.dirname(group))) == (128, 128)
    finally:
        job.join()


def test_default_slots_leave_one_core_for_the_web(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    assert default_slots() == 3
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    assert default_slots() == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    assert default_slots() == 1
