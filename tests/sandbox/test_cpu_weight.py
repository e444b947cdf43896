"""Grading yields to the web: sandbox jobs run at a low CPU weight, and the slots leave a core free."""
import os

from sandbox import Job, Status, cgroups, default_slots

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
