"""GPU jobs: only on a host with NVIDIA device nodes (skipped elsewhere)."""
import os

import pytest

from sandbox import Job, Status, host

pytestmark = pytest.mark.skipif(not os.path.exists("/dev/nvidia0"), reason="no NVIDIA GPU on this host")


def test_cuda_job_initialises_cuda_in_the_child(forkserver):
    assert forkserver.has_gpu
    main = ("import torch\nx = torch.ones(64, 64, device='cuda')\n"
            "RESULT = [torch.cuda.is_available(), (x @ x).sum().item(), (x @ x).cpu()[0, :2]]")
    result = forkserver.run(Job(main=main, device="cuda"))
    assert result.status == Status.OK, result.error
    available, total, row = result.value
    assert available and total == 64.0 ** 3 and row.tolist() == [64.0, 64.0]


LIST_GPU_NODES = ("import os, torch\n"
                  "RESULT = [torch.cuda.is_available(), sorted(n for n in os.listdir('/dev') if n.startswith('nvidia'))]")


def test_cpu_job_sees_no_gpu_node(forkserver):
    result = forkserver.run(Job(main=LIST_GPU_NODES))
    assert (result.status, result.value) == (Status.OK, [False, []]), result.error


def test_cuda_job_gets_exactly_the_nodes_the_supervisor_found(backend):
    found = sorted(os.path.basename(node) for node in host.gpu_nodes())
    assert "nvidiactl" in found
    result = backend.run(Job(main=LIST_GPU_NODES, device="cuda"))
    assert (result.status, result.value) == (Status.OK, [True, found]), result.error


def test_fork_server_never_initialised_cuda(forkserver):
    """A second CUDA job works too: CUDA state is per job, never inherited from the fork server."""
    main = "import torch\nRESULT = torch.zeros(1, device='cuda').add(1).item()"
    assert [forkserver.run(Job(main=main, device="cuda")).value for _ in range(2)] == [1.0, 1.0]
