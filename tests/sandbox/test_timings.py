"""Result.timings: where a job's time went, phase by phase (diagnostics for the bench, never a verdict)."""
import time

from sandbox import Job, Status
from sandbox.supervisor import PHASES


def test_a_fork_server_job_reports_every_phase_in_order(forkserver):
    started = time.monotonic()
    result = forkserver.run(Job(main="import torch\nRESULT = torch.ones(2).sum().item()"))
    elapsed = time.monotonic() - started
    assert (result.status, result.value) == (Status.OK, 2.0), result.error
    assert list(result.timings) == [phase for phase, _start, _end in PHASES]
    # readings of four processes in three pid namespaces line up only on one shared clock
    assert all(seconds >= 0 for seconds in result.timings.values()), result.timings
    assert sum(result.timings.values()) <= elapsed  # the phases follow each other within run()


def test_a_job_without_a_result_reports_the_phases_it_went_through(forkserver):
    result = forkserver.run(Job(main="import os\nos._exit(3)"))
    assert result.status == Status.RUNTIME_ERROR
    assert {"fork", "cgroup join", "mounts", "confine", "report"} <= result.timings.keys()
    assert not {"run", "exit"} & result.timings.keys()  # no result ever arrived to end the run
