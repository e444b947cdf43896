"""Ordinary jobs on both backends: values, inputs, output capture, tracebacks, exits, tensors."""
import os
import signal
import socket
import subprocess
import sys
import threading

import pytest
import torch

from sandbox import IsolationUnavailable, Job, Limits, Status, cgroups, create_backend
from sandbox.supervisor import NO_GPU_MESSAGE, SERVER_STOPPED_MESSAGE
from sandbox.wire import Unsupported

from .conftest import LOADED_MACHINE_WALL_S
from .test_wire import ALL_DTYPES, same_bits, special_tensor

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TORCH_JOB_LIMITS = Limits(wall_s=LOADED_MACHINE_WALL_S)  # bwrap imports torch in the job


def test_correct_code_returns_its_value(backend):
    result = backend.run(Job(main="import submission\nRESULT = submission.square(INPUTS)",
                             files={"submission.py": "def square(x):\n    return x * x\n"}, inputs=7))
    assert (result.status, result.value, result.error) == (Status.OK, 49, "")
    assert result.exit_code == 0 and result.signal is None
    assert result.wall_s > 0 and result.cpu_s > 0 and result.peak_memory_bytes > 0


def test_inputs_are_visible_as_INPUTS(backend):
    inputs = {"xs": [1, 2.5, None, True], "pair": ("a", -0.0), "nan": float("nan")}
    result = backend.run(Job(main="RESULT = [INPUTS, repr(INPUTS['nan']), type(INPUTS['pair']).__name__]",
                             inputs=inputs))
    assert result.status == Status.OK
    echoed, nan_repr, pair_type = result.value
    assert echoed["xs"] == inputs["xs"] and echoed["pair"] == ("a", -0.0)
    assert (nan_repr, pair_type) == ("nan", "tuple")


def test_stdout_and_stderr_are_captured(backend):
    result = backend.run(Job(main="import sys\nprint('to out')\nprint('to err', file=sys.stderr)\nRESULT = 1"))
    assert (result.stdout, result.stderr, result.output_truncated) == ("to out\n", "to err\n", False)


def test_exception_traceback_points_at_the_student_line(backend):
    student = "def solve(x):\n    y = x + 1\n    return y / 0\n"
    result = backend.run(Job(main="from submission import solve\nRESULT = solve(1)",
                             files={"submission.py": student}))
    assert result.status == Status.RUNTIME_ERROR and result.value is None
    assert 'File "/work/submission.py", line 3, in solve' in result.error
    assert result.error.rstrip().endswith("ZeroDivisionError: division by zero")
    assert "sandbox" not in result.error  # the runtime's own frames are removed


@pytest.mark.parametrize("code, exit_code", [
    ("import sys\nsys.exit(0)\nRESULT = 1", 0),
    ("import sys\nsys.exit(3)", 3),
    ("import os\nRESULT = 1\nos._exit(0)", 0),
    ("import os\nos._exit(7)", 7),
])
def test_exiting_before_the_result_is_a_runtime_error(backend, code, exit_code):
    result = backend.run(Job(main=code))
    assert result.status == Status.RUNTIME_ERROR
    assert result.error == f"the program exited (code {exit_code}) before returning a result"
    assert result.exit_code == exit_code and result.value is None


def test_missing_RESULT_returns_none(backend):
    result = backend.run(Job(main="x = 1"))
    assert (result.status, result.value) == (Status.OK, None)


def test_tensors_of_every_dtype_cross_both_ways_bit_exactly(backend):
    tensors = {str(dtype): special_tensor(dtype) for dtype in ALL_DTYPES}
    result = backend.run(Job(main="RESULT = {name: t.clone() for name, t in INPUTS.items()}", inputs=tensors,
                             limits=TORCH_JOB_LIMITS))
    assert result.status == Status.OK, result.error
    assert result.value.keys() == tensors.keys()
    for name, tensor in tensors.items():
        assert same_bits(tensor, result.value[name]), name


def test_autograd_result(backend):
    result = backend.run(Job(main="import torch\nx = torch.tensor([2.0, 3.0], requires_grad=True)\n"
                                  "(x ** 2).sum().backward()\nRESULT = x.grad", limits=TORCH_JOB_LIMITS))
    assert result.status == Status.OK, result.error
    assert torch.equal(result.value, torch.tensor([4.0, 6.0]))


def test_tensor_subclass_and_objects_come_back_unsupported(backend):
    main = ("import torch\nclass Fake(torch.Tensor):\n    pass\n"
            "RESULT = [torch.ones(1).as_subclass(Fake), object(), lambda: 0, torch.ones(1)]")
    result = backend.run(Job(main=main, limits=TORCH_JOB_LIMITS))
    assert result.status == Status.OK, result.error
    fake, plain_object, function, tensor = result.value
    assert (fake, plain_object, function) == (Unsupported("__main__.Fake"), Unsupported("object"),
                                              Unsupported("function"))
    assert type(tensor) is torch.Tensor


def test_unencodable_result_is_a_runtime_error(backend):
    result = backend.run(Job(main="RESULT = {1: 'int key'}"))
    assert result.status == Status.RUNTIME_ERROR
    assert result.error == "RESULT cannot be returned: dict keys must be str, got int"


def test_cuda_job_without_gpu_is_a_sandbox_error(backend):
    if backend.has_gpu:
        pytest.skip("this host has a GPU")
    result = backend.run(Job(main="RESULT = 1", device="cuda"))
    assert (result.status, result.error) == (Status.SANDBOX_ERROR, NO_GPU_MESSAGE)


def test_jobs_do_not_share_random_state(forkserver):
    main = "import random, torch\nRESULT = [random.random(), torch.rand(1).item()]"
    first, second = (forkserver.run(Job(main=main)).value for _ in range(2))
    assert first[0] != second[0] and first[1] != second[1]


def test_slots_bound_concurrency(forkserver):
    """Three 1-second jobs on two slots: two run together, never three."""
    job = Job(main="import time\nstart = time.time()\ntime.sleep(1)\nRESULT = [start, time.time()]")
    results = []
    threads = [threading.Thread(target=lambda: results.append(forkserver.run(job))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status for r in results] == [Status.OK] * 3
    intervals = [r.value for r in results]

    def running_at(moment):
        return sum(start <= moment < end for start, end in intervals)

    assert max(running_at(start) for start, _ in intervals) == 2


def _descendants(root_pid):
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, pending = [], [root_pid]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending += children.get(pid, [])
    return found


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace")
    except FileNotFoundError:
        return ""


@pytest.mark.slow
def test_fork_server_death_mid_job_is_a_sandbox_error_and_it_restarts():
    with create_backend("forkserver", slots=1) as backend:
        server = [pid for pid in _descendants(backend.server_pid) if "serve(" in _cmdline(pid)
                  and "from sandbox.forkserver" in _cmdline(pid)][0]
        threading.Timer(0.5, os.kill, (server, signal.SIGKILL)).start()
        result = backend.run(Job(main="import time\ntime.sleep(5)\nRESULT = 1"))
        assert (result.status, result.error) == (Status.SANDBOX_ERROR, SERVER_STOPPED_MESSAGE)
        assert backend.run(Job(main="RESULT = 'back'")).value == "back"


def _slot_dirs(name):
    return {c: os.path.join(cgroups.ROOT, c, cgroups.PARENT, name) for c in cgroups.CONTROLLERS}


def test_stale_slot_cgroups_of_dead_supervisors_are_removed():
    stale = _slot_dirs(f"{socket.gethostname()}_{_a_dead_pid()}_0.0")
    for directory in stale.values():
        os.makedirs(directory, exist_ok=True)
    sleeper = subprocess.Popen(["sleep", "60"])
    with open(os.path.join(stale["pids"], "cgroup.procs"), "w") as handle:
        handle.write(str(sleeper.pid))
    with create_backend("bwrap", slots=1):
        assert not any(os.path.exists(directory) for directory in stale.values())
    assert sleeper.wait(timeout=5) == -signal.SIGKILL


def test_slot_cgroups_of_another_host_are_left_alone():
    # Worker containers share the host's cgroup tree; their pids mean nothing in ours.
    other = _slot_dirs(f"another-container_{_a_dead_pid()}_0.0")
    for directory in other.values():
        os.makedirs(directory, exist_ok=True)
    try:
        with create_backend("bwrap", slots=1):
            assert all(os.path.isdir(directory) for directory in other.values())
    finally:
        for directory in other.values():
            os.rmdir(directory)


def _a_dead_pid():
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_limits_and_jobs_are_validated():
    with pytest.raises(ValueError):
        Limits(wall_s=0)
    with pytest.raises(ValueError):
        Limits(memory_bytes=1.5)
    with pytest.raises(ValueError):
        Job(main="", files={"../escape.py": ""})
    with pytest.raises(ValueError):
        Job(main="", files={"/abs.py": ""})
    with pytest.raises(ValueError):
        Job(main="", device="tpu")


def test_missing_isolation_raises_instead_of_running_unsandboxed(monkeypatch):
    monkeypatch.setattr("sandbox.host.bwrap_path", lambda: None)
    with pytest.raises(IsolationUnavailable, match="bubblewrap is not installed"):
        create_backend("bwrap")


@pytest.mark.slow
def test_check_command_reports_ok():
    completed = subprocess.run([sys.executable, "-m", "sandbox", "check"], cwd=REPO, capture_output=True,
                               text=True, timeout=120)
    assert (completed.returncode, completed.stdout) == (0, "OK\n"), completed.stderr


def test_two_backends_in_one_process_keep_their_own_slot_groups(forkserver):
    with create_backend("bwrap", slots=1):
        pass
    assert forkserver.run(Job(main="RESULT = 'untouched'")).value == "untouched"


def test_a_job_cannot_use_more_than_one_cpu(forkserver):
    """Four busy threads for 0.6 s of wall time get at most about 0.6 s of CPU, not 2.4 s."""
    main = """
import threading, time
def spin():
    end = time.time() + 0.6
    while time.time() < end:
        pass
threads = [threading.Thread(target=spin) for _ in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
RESULT = 'done'
"""
    result = forkserver.run(Job(main=main, limits=Limits(cpu_s=5, wall_s=10)))
    assert result.value == "done", result.error
    assert result.cpu_s < 0.9
