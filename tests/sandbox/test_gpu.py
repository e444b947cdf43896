"""GPU jobs: only on a host with NVIDIA device nodes (skipped elsewhere)."""
import os

import pytest

from sandbox import Job, Status

pytestmark = pytest.mark.skipif(not os.path.exists("/dev/nvidia0"), reason="no NVIDIA GPU on this host")


def test_cuda_job_initialises_cuda_in_the_child(forkserver):
    assert forkserver.has_gpu
    main = ("import torch\nx = torch.ones(64, 64, device='cuda')\n"
            "RESULT = [torch.cuda.is_available(), (x @ x).sum().item(), (x @ x).cpu()[0, :2]]")
    result = forkserver.run(Job(main=main, device="cuda"))
    assert result.status == Status.OK, result.error
    available, total, row = result.value
    assert available and total == 64.0 ** 3 and row.tolist() == [64.0, 64.0]


def test_cpu_job_cannot_reach_the_gpu(forkserver):
    main = ("import os, torch\nnull = os.stat('/dev/null').st_rdev\n"
            "RESULT = [torch.cuda.is_available(), "
            "[os.stat(p).st_rdev == null for p in ['/dev/nvidiactl', '/dev/nvidia0'] if os.path.exists(p)]]")
    result = forkserver.run(Job(main=main))
    assert result.status == Status.OK, result.error
    available, nodes_are_null = result.value
    assert available is False and all(nodes_are_null)


def test_fork_server_never_initialised_cuda(forkserver):
    """A second CUDA job works too: CUDA state is per job, never inherited from the fork server."""
    main = "import torch\nRESULT = torch.zeros(1, device='cuda').add(1).item()"
    assert [forkserver.run(Job(main=main, device="cuda")).value for _ in range(2)] == [1.0, 1.0]
