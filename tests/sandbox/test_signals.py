"""Signals from a job reach nothing outside it.

A job once killed its own process group (`kill(0, SIGKILL)`, or `kill(getppid(), ...)`, which is
the same call for pid 1 of a namespace, whose parent pid reads 0): the group held the fork
server, so one line stopped the server and every job in it, and came back as sandbox_error,
which is retried and never charged. Each job process now leads a session and process group of
its own, inside its pid namespace, so these calls reach only the job.
"""
import signal
import threading

import pytest

from sandbox import Job, Limits, Status

QUICK = Limits(wall_s=30, cpu_s=20)
ATTACKS = {
    "its process group": "import os, signal\nos.kill(0, signal.SIGKILL)\nRESULT = 'survived'",
    "its parent": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nRESULT = 'survived'",
    "its group by number": "import os, signal\nos.killpg(os.getpgrp(), signal.SIGKILL)\nRESULT = 'survived'",
    "its session, with SIGTERM and SIGHUP": (
        "import os, signal\nfor number in (signal.SIGHUP, signal.SIGTERM, signal.SIGKILL):\n"
        "    os.kill(0, number)\nRESULT = 'survived'"),
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_job_signalling_its_group_ends_only_itself(backend, attack):
    restarts = getattr(backend, "server_restarts", 0)
    server = getattr(backend, "server_pid", None)
    result = backend.run(Job(main=ATTACKS[attack], limits=QUICK))
    # The job killed itself (or was ignored, as pid 1 of its namespace): either is the student's own doing.
    assert result.status in (Status.OK, Status.RUNTIME_ERROR), (result.status, result.error)
    assert getattr(backend, "server_restarts", 0) == restarts
    assert getattr(backend, "server_pid", None) == server
    assert backend.run(Job(main="RESULT = 6 * 7", limits=QUICK)).value == 42


def test_a_job_signalling_its_group_does_not_reach_the_job_beside_it(forkserver):
    results = {}
    neighbour = threading.Thread(target=lambda: results.setdefault("neighbour", forkserver.run(
        Job(main="import time\ntime.sleep(3)\nRESULT = 'finished'", limits=QUICK))))
    neighbour.start()
    results["attacker"] = forkserver.run(Job(main="import time, os, signal\ntime.sleep(1)\nos.kill(0, signal.SIGKILL)",
                                             limits=QUICK))
    neighbour.join()
    assert results["neighbour"].status is Status.OK, results["neighbour"].error
    assert results["neighbour"].value == "finished"
    assert results["attacker"].status is not Status.SANDBOX_ERROR, results["attacker"].error
