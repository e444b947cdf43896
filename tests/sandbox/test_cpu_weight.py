"""Grading yields to the web: sandbox jobs run at a low CPU weight, and the slots leave a core free."""
import os

from sandbox import Job, Status, cgroups, create_backend, default_slots

OWN_CPU_GROUP = """
for line in open('/proc/self/cgroup'):
    number, controllers, path = line.rstrip('\\n').split(':', 2)
    if 'cpu' in controllers.split(','):
        RESULT = path
"""


def _shares(directory):
    with open(os.path.join(directory, "cpu.shares")) as handle:
        return int(handle.read())


def test_a_job_runs_in_a_group_of_low_cpu_weight_under_a_parent_of_low_weight(forkserver):
    result = forkserver.run(Job(main=OWN_CPU_GROUP))
    assert result.status == Status.OK, result.error
    group = os.path.join(cgroups.ROOT, "cpu", result.value.lstrip("/"))
    assert os.path.dirname(group) == os.path.join(cgroups.ROOT, "cpu", cgroups.PARENT)  # a slot's group
    # the parent's weight is the one the web's processes compete with
    assert (_shares(group), _shares(os.path.dirname(group))) == (128, 128)


def test_default_slots_leave_one_core_for_the_web(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    assert default_slots() == 3
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    assert default_slots() == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    assert default_slots() == 1


def test_a_background_backend_s_jobs_weigh_less_than_gradings(planted_secret_env):
    with create_backend("forkserver", slots=1, cpu_shares=cgroups.BACKGROUND_CPU_SHARES) as background:
        result = background.run(Job(main=OWN_CPU_GROUP))
        assert result.status == Status.OK, result.error
        group = os.path.join(cgroups.ROOT, "cpu", result.value.lstrip("/"))
        # the slot yields to gradings' slots (128) among its siblings; the parent still weighs what it did
        assert (_shares(group), _shares(os.path.dirname(group))) == (cgroups.BACKGROUND_CPU_SHARES, 128)
