"""Malicious programs, each asserting the contained outcome (the attack classes of the project's design notes)."""
import dataclasses
import errno
import os
import signal
import socket
import tempfile
import threading
import time
import uuid

import pytest

from sandbox import Job, Limits, Status
from sandbox.wire import Unsupported

from .conftest import (LOADED_MACHINE_WALL_S, PLANTED_SECRET, WAIT_FOR_RELEASE, release_the_waiting_job,
                       wait_for_the_waiting_job)
from .test_run import REPO, TORCH_JOB_LIMITS

OPEN_FILE_ATTEMPT = """
import os
outcome = {}
for path in INPUTS:
    try:
        with open(path, 'rb') as handle:
            outcome[path] = 'read:' + handle.read(200).decode('latin-1')
    except OSError as exc:
        outcome[path] = type(exc).__name__
RESULT = outcome
"""


def run_ok(backend, main, **job):
    result = backend.run(Job(main=main, **job))
    assert result.status == Status.OK, result.error
    return result.value


def _service_is_up(port):
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def loopback_listeners():
    """Listening sockets of the test's own on 127.0.0.1 and, where the host has IPv6, ::1, so that
    the attack has a target on any host; each proved reachable from the host first."""
    listeners = []
    for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        listener = socket.socket(family)
        try:
            listener.bind((host, 0))
        except OSError:
            listener.close()
            assert family == socket.AF_INET6, "the host has no 127.0.0.1"
            continue
        listener.listen()
        with socket.create_connection(listener.getsockname()[:2], timeout=5):
            listener.accept()[0].close()
        listener.setblocking(False)
        listeners.append(listener)
    yield listeners
    for listener in listeners:
        listener.close()


CONNECT_ATTEMPTS = """
import socket
outcome = []
for family, host, port in INPUTS:
    try:
        with socket.socket(getattr(socket, family)) as client:
            client.settimeout(2)
            outcome.append(client.connect_ex((host, port)))
    except OSError as exc:
        outcome.append(exc.errno)
RESULT = outcome
"""


def test_loopback_services_are_unreachable(backend, loopback_listeners):
    targets = [(listener.family.name, *listener.getsockname()[:2]) for listener in loopback_listeners]
    targets += [("AF_INET", "127.0.0.1", port) for port in (6379, 5432) if _service_is_up(port)]  # Redis, PostgreSQL
    outcome = dict(zip(targets, run_ok(backend, CONNECT_ATTEMPTS, inputs=[list(t) for t in targets])))
    assert outcome == dict.fromkeys(targets, errno.EAFNOSUPPORT)  # not even a socket to try with
    for listener in loopback_listeners:
        with pytest.raises(BlockingIOError):
            listener.accept()  # nothing reached the listener either


def test_no_dns_and_no_outbound_connection(backend):
    main = """
import socket
outcome = []
for attempt in (lambda: socket.getaddrinfo('pypi.org', 443), lambda: socket.create_connection(('1.1.1.1', 53), 2),
                socket.if_nameindex):
    try:
        attempt()
        outcome.append('worked')
    except OSError as exc:
        outcome.append([type(exc).__name__, exc.errno])
RESULT = outcome
"""
    resolved, connected, interfaces = run_ok(backend, main)
    assert resolved[0] == "gaierror"
    assert connected == interfaces == ["OSError", errno.EAFNOSUPPORT]


@pytest.fixture(scope="module")
def planted_files():
    """A secret in a root-only directory and another, world-readable, outside the sandbox's binds."""
    private_dir = tempfile.mkdtemp()
    os.chmod(private_dir, 0o700)
    private = os.path.join(private_dir, "reference_solution.py")
    public = os.path.join(tempfile.gettempdir(), f"tg-hidden-tests-{uuid.uuid4().hex}.json")
    for path in (private, public):
        with open(path, "w") as handle:
            handle.write(PLANTED_SECRET)
    os.chmod(public, 0o644)
    yield [private, public]
    os.remove(public)
    os.remove(private)
    os.rmdir(private_dir)


def test_host_files_and_secrets_are_invisible(backend, planted_files):
    targets = planted_files + ["/etc/shadow", "/etc/passwd", os.path.join(REPO, "sandbox", "supervisor.py"),
                               os.path.join(REPO, "torchgrade", "settings.py"), "/root/.bash_history"]
    assert os.path.exists(os.path.join(REPO, "sandbox", "supervisor.py"))  # the attack has a real target
    outcome = run_ok(backend, OPEN_FILE_ATTEMPT, inputs=targets)
    assert outcome == {path: "FileNotFoundError" for path in targets}


def test_project_tree_is_not_listable(backend):
    main = "import os\ntry:\n    RESULT = os.listdir(INPUTS)\nexcept OSError as exc:\n    RESULT = type(exc).__name__"
    assert run_ok(backend, main, inputs=REPO) == "FileNotFoundError"


def test_environment_and_proc_hold_no_secrets(backend, planted_secret_env):
    assert os.environ["SECRET_KEY"] == planted_secret_env
    main = """
import os
seen = [repr(dict(os.environ))]
for pid in [p for p in os.listdir('/proc') if p.isdigit()]:
    for name in ('environ', 'cmdline'):
        try:
            seen.append(open(f'/proc/{pid}/{name}', 'rb').read().decode('latin-1'))
        except OSError as exc:
            seen.append(type(exc).__name__)
RESULT = [os.environ.get('SECRET_KEY'), '\\n'.join(seen)]
"""
    secret_key, everything_seen = run_ok(backend, main)
    assert secret_key is None
    assert PLANTED_SECRET not in everything_seen


def test_writes_outside_the_work_dir_fail_and_leave_the_host_alone(backend):
    marker = f"tg-escape-{uuid.uuid4().hex}"
    targets = ["/usr/" + marker, "/opt/sandbox-runtime/" + marker, "/" + marker, "/etc/" + marker,
               "/proc/sys/kernel/" + marker]
    main = """
outcome = {}
for path in INPUTS:
    try:
        open(path, 'w').write('x')
        outcome[path] = 'written'
    except OSError as exc:
        outcome[path] = type(exc).__name__
open('/work/' + 'ok.txt', 'w').write('fine')
open('/tmp/ok.txt', 'w').write('fine')
RESULT = outcome
"""
    outcome = run_ok(backend, main, inputs=targets)
    assert "written" not in outcome.values(), outcome
    assert not any(os.path.exists(path) for path in targets + ["/tmp/ok.txt", "/work/ok.txt"])


def test_fork_bomb_is_contained_and_the_next_job_runs(forkserver):
    bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"
    result = forkserver.run(Job(main=bomb, limits=Limits(wall_s=2, cpu_s=2, processes=32)))
    assert result.status in (Status.TIME_LIMIT, Status.MEMORY_LIMIT, Status.RUNTIME_ERROR)
    assert forkserver.run(Job(main="RESULT = 'still fine'")).value == "still fine"


def test_memory_bomb_is_a_memory_limit(backend):
    main = "chunks = []\nwhile True:\n    chunks.append(bytearray(16 << 20))"
    result = backend.run(Job(main=main, limits=Limits(memory_bytes=128 << 20)))
    assert (result.status, result.error) == (Status.MEMORY_LIMIT, "memory limit 128 MB exceeded")
    assert result.peak_memory_bytes <= 128 << 20


def test_tensor_memory_bomb_is_a_memory_limit(forkserver):
    main = "import torch\nkeep = []\nwhile True:\n    keep.append(torch.ones(4 << 20))"
    result = forkserver.run(Job(main=main, limits=Limits(memory_bytes=200 << 20)))
    assert result.status == Status.MEMORY_LIMIT


def test_infinite_loop_is_a_time_limit(backend):
    # at the slots' low CPU weight a busy machine stretches 1 s of CPU over a minute or more of wall
    # time: the wall limit is far enough above that the CPU limit is the one that ends the job
    limits = Limits(cpu_s=1, wall_s=LOADED_MACHINE_WALL_S)
    result = backend.run(Job(main="while True:\n    pass", limits=limits))
    assert (result.status, result.error) == (Status.TIME_LIMIT, "CPU time limit 1 s exceeded")
    # RLIMIT_CPU may fire a few ms before the cgroup's accounting (what cpu_s reports) reaches 1 s
    assert 0.9 <= result.cpu_s < 3


def test_sleeping_and_ignoring_sigterm_is_a_time_limit(backend):
    main = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(60)"
    result = backend.run(Job(main=main, limits=Limits(wall_s=2)))
    assert (result.status, result.error) == (Status.TIME_LIMIT, "time limit 2 s exceeded")
    assert result.wall_s < 3


def test_output_flood_is_an_output_limit(backend):
    main = "import sys\nwhile True:\n    sys.stdout.write('spam' * 1000)\n    sys.stderr.write('eggs' * 1000)"
    result = backend.run(Job(main=main, limits=Limits(output_bytes=10_000)))
    assert (result.status, result.error) == (Status.OUTPUT_LIMIT, "output limit 10000 bytes exceeded")
    assert result.output_truncated and len(result.stdout) + len(result.stderr) <= 10_000


def test_disk_fill_is_capped_by_the_private_tmpfs(backend):
    main = """
import os
written = 0
try:
    with open('/tmp/fill', 'wb') as handle:
        while True:
            handle.write(b'x' * (1 << 20))
            handle.flush()
            written += 1 << 20
except OSError as exc:
    error = exc.errno
mounts = [line.split()[:3] for line in open('/proc/mounts')]
RESULT = [error, written, [m for m in mounts if m[1] == '/tmp']]
"""
    error, written, tmp_mounts = run_ok(backend, main, limits=Limits(tmp_bytes=8 << 20))
    assert error == errno.ENOSPC and written <= 8 << 20
    assert tmp_mounts[-1][2] == "tmpfs"  # memory charged to the job's cgroup, not the host's disk


def test_file_size_limit(backend):
    main = ("try:\n    open('/work/big', 'wb').write(b'x' * (3 << 20))\n    RESULT = 'written'\n"
            "except OSError as exc:\n    RESULT = exc.errno")
    assert run_ok(backend, main, limits=Limits(file_bytes=1 << 20)) == errno.EFBIG


def _host_processes_mentioning(marker):
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                if marker.encode() in handle.read():
                    found.append(int(entry))
        except (FileNotFoundError, NotADirectoryError, ProcessLookupError):
            pass
    return found


def test_daemonised_background_process_dies_with_the_job(backend):
    marker = f"tg-daemon-{uuid.uuid4().hex}"
    main = """
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv('/bin/sh', ['/bin/sh', '-c', 'while true; do echo alive; sleep 0.05; done', INPUTS])
    os._exit(0)
def daemons():
    return [p for p in os.listdir('/proc') if p.isdigit() and INPUTS.encode() in open(f'/proc/{p}/cmdline', 'rb').read()]
while not daemons():  # however slowly a busy machine starts it; the wall limit bounds the wait
    time.sleep(0.02)
RESULT = daemons()
"""
    daemons_inside = run_ok(backend, main, inputs=marker, limits=Limits(wall_s=LOADED_MACHINE_WALL_S))
    assert daemons_inside  # it really was running when the job returned (with a child of its own, at times)
    # a daemon that escaped would run forever: waiting for a SIGKILLed one to go is no weaker
    deadline = time.monotonic() + 60
    while _host_processes_mentioning(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _host_processes_mentioning(marker) == []


def test_signalling_the_init_cannot_turn_a_run_into_a_sandbox_error(backend):
    # A sandbox_error is retried and never charged: the job must not be able to cause one.
    main = ("import os, signal\nfor number in (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1, signal.SIGHUP):\n"
            "    os.kill(1, number)\nRESULT = 'still here'")
    result = backend.run(Job(main=main))
    assert (result.status, result.value) == (Status.OK, "still here"), result.error


def test_kill_all_in_one_job_does_not_touch_another_job(forkserver):
    victim = {}
    main = WAIT_FOR_RELEASE + "import time\nready_to_wait()\nwhile not released:\n    time.sleep(0.01)\nRESULT = 'survived'"
    thread = threading.Thread(target=lambda: victim.setdefault("result", forkserver.run(
        Job(main=main, limits=Limits(wall_s=LOADED_MACHINE_WALL_S)))))
    thread.start()
    waiting = wait_for_the_waiting_job()  # the victim must really be running when the attacker strikes
    attacker = forkserver.run(Job(main="import os, signal, subprocess\nown_child = subprocess.Popen(['sleep', '10'])\n"
                                       "os.kill(-1, signal.SIGKILL)\nRESULT = own_child.wait()"))
    release_the_waiting_job(waiting)
    thread.join()
    assert attacker.value == -signal.SIGKILL  # kill(-1) worked, on everything the attacker could see
    assert (victim["result"].status, victim["result"].value) == (Status.OK, "survived")
    assert forkserver.run(Job(main="RESULT = 1")).value == 1  # the fork server is alive too


def test_segfault_is_a_runtime_error_naming_the_signal(backend):
    result = backend.run(Job(main="import ctypes\nctypes.string_at(0)"))
    assert result.status == Status.RUNTIME_ERROR and result.signal == 11
    assert result.error == "the program was killed by SIGSEGV (Segmentation fault)"


def test_deep_recursion_is_a_runtime_error(backend):
    result = backend.run(Job(main="def down(n):\n    return down(n + 1)\ndown(0)"))
    assert result.status == Status.RUNTIME_ERROR and "RecursionError" in result.error


def test_unbounded_recursion_limit_is_contained(forkserver):
    main = "import sys\nsys.setrecursionlimit(10**8)\ndef down(n):\n    return down(n + 1)\ndown(0)"
    # recursing through 256 MB takes seconds of CPU: a busy machine must not make it a time limit
    limits = Limits(memory_bytes=256 << 20, wall_s=LOADED_MACHINE_WALL_S)
    result = forkserver.run(Job(main=main, limits=limits))
    assert result.status in (Status.RUNTIME_ERROR, Status.MEMORY_LIMIT), result.error
    assert forkserver.run(Job(main="RESULT = 2")).value == 2


def test_pickle_payload_comes_back_as_inert_data(backend):
    marker = os.path.join(tempfile.gettempdir(), f"tg-pwned-{uuid.uuid4().hex}")
    main = f"""
import os, pickle
class Exploit:
    def __reduce__(self):
        return (os.system, ('touch {marker}',))
RESULT = [pickle.dumps(Exploit()), Exploit(), bytearray(pickle.dumps(Exploit())), pickle.dumps(Exploit()).decode('latin-1')]
"""
    payload_bytes, exploit, payload_bytearray, payload_text = run_ok(backend, main)
    assert (payload_bytes, exploit, payload_bytearray) == (Unsupported("bytes"), Unsupported("__main__.Exploit"),
                                                           Unsupported("bytearray"))
    assert type(payload_text) is str  # just a string; nothing ever unpickles it
    assert not os.path.exists(marker)


def test_oversized_result_is_a_runtime_error(backend):
    limits = dataclasses.replace(TORCH_JOB_LIMITS, result_bytes=1 << 20)
    result = backend.run(Job(main="import torch\nRESULT = torch.zeros(1 << 20)", limits=limits))
    assert (result.status, result.error) == (Status.RUNTIME_ERROR, "result too large (more than 1 MB)")


FIND_RESULT_FD = """
import os, stat
def result_fd():
    for name in os.listdir('/proc/self/fd'):
        fd = int(name)
        try:
            if fd > 2 and stat.S_ISFIFO(os.fstat(fd).st_mode) and os.readlink(f'/proc/self/fd/{fd}').startswith('pipe:'):
                return fd
        except OSError:
            pass
"""


def test_garbage_on_the_result_fd_is_a_runtime_error(backend):
    main = FIND_RESULT_FD + "os.write(result_fd(), b'\\x80\\x04garbage' * 100)\nos._exit(0)"
    result = backend.run(Job(main=main))
    assert result.status == Status.RUNTIME_ERROR
    assert result.error.startswith("the returned data is malformed: bad magic")


def test_forged_frame_cannot_override_the_real_result(backend):
    main = FIND_RESULT_FD + (
        "from sandbox import wire\nos.write(result_fd(), wire.encode({'result': 'forged full marks'}))\n"
        "RESULT = 'real'")
    result = backend.run(Job(main=main))
    assert result.status == Status.RUNTIME_ERROR
    assert "malformed" in result.error and result.value is None


def test_forged_frame_is_only_ever_data(backend):
    main = FIND_RESULT_FD + "from sandbox import wire\nos.write(result_fd(), wire.encode({'result': 100}))\nos._exit(0)"
    result = backend.run(Job(main=main))
    assert (result.status, result.value) == (Status.OK, 100)  # same as RESULT = 100: data the judge checks


def test_dangerous_syscalls_are_refused(backend):
    main = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
def attempt(number, *args):
    ret = libc.syscall(ctypes.c_long(number), *[ctypes.c_long(a) for a in args])
    return ret, ctypes.get_errno()
RESULT = {
    'ptrace': attempt(101, 16, os.getppid(), 0, 0),     # PTRACE_ATTACH to init
    'unshare': attempt(272, 0x10000000),
    'mount': attempt(165, 0, 0, 0, 0, 0),
    'clone_newuser': attempt(56, 0x10000000 | 17, 0, 0, 0, 0),
    'clone3': attempt(435, 0, 0),
    'setns': attempt(308, 0, 0),
    'bpf': attempt(321, 0, 0, 0),
    'keyctl': attempt(250, 0),
    'io_uring_setup': attempt(425, 1, 0),
    'fsopen': attempt(430, 0, 0),
    'x32_getpid': attempt(0x40000000 | 39),
}
child = os.fork()
if child == 0:
    os._exit(0)
RESULT['plain_fork_still_works'] = os.waitpid(child, 0)[1]
"""
    outcome = run_ok(backend, main)
    assert outcome.pop("clone3") == (-1, errno.ENOSYS)  # so that libc falls back to the filtered clone
    assert outcome.pop("plain_fork_still_works") == 0
    assert outcome == {name: (-1, errno.EPERM) for name in outcome}


def test_more_kernel_interfaces_and_every_socket_family_but_unix_are_refused(backend):
    main = """
import ctypes, socket
libc = ctypes.CDLL(None, use_errno=True)
def attempt(number, *args):
    ret = libc.syscall(ctypes.c_long(number), *[ctypes.c_long(a) for a in args])
    return ret, ctypes.get_errno() if ret == -1 else 0
buffer = ctypes.create_string_buffer(64)
address = ctypes.addressof(buffer)
pair = (ctypes.c_int * 2)()
RESULT = {
    'personality_read_implies_exec': attempt(135, 0x0400000),
    'personality_addr_no_randomize': attempt(135, 0x0040000),
    'modify_ldt': attempt(154, 0, address, 64),
    'pidfd_getfd': attempt(438, 0, 0, 0),
    'kcmp': attempt(312, 1, 1, 0, 0, 0),
    'process_madvise': attempt(440, 0, 0, 0, 0, 0),
    'uselib': attempt(134, 0),
    'syslog': attempt(103, 3, address, 64),
    'fanotify_init': attempt(300, 0, 0),
    'socket_inet': attempt(41, socket.AF_INET, socket.SOCK_STREAM, 0),
    'socket_inet6': attempt(41, socket.AF_INET6, socket.SOCK_DGRAM, 0),
    'socket_netlink': attempt(41, socket.AF_NETLINK, socket.SOCK_RAW, 0),
    'socket_packet': attempt(41, socket.AF_PACKET, socket.SOCK_RAW, 0),
    'socketpair_inet': attempt(53, socket.AF_INET, socket.SOCK_STREAM, 0, ctypes.addressof(pair)),
    'persona_query': attempt(135, 0xffffffff),
    'persona_default': attempt(135, 0),
    'unix_socket': attempt(41, socket.AF_UNIX, socket.SOCK_STREAM, 0)[1],
    'unix_socketpair': attempt(53, socket.AF_UNIX, socket.SOCK_STREAM, 0, ctypes.addressof(pair)),
}
"""
    outcome = run_ok(backend, main)
    assert (outcome.pop("persona_query"), outcome.pop("persona_default")) == ((0, 0), (0, 0))
    assert (outcome.pop("unix_socket"), outcome.pop("unix_socketpair")) == (0, (0, 0))
    sockets = {name: outcome.pop(name) for name in list(outcome) if name.startswith("socket")}
    assert sockets == dict.fromkeys(sockets, (-1, errno.EAFNOSUPPORT))
    assert outcome == dict.fromkeys(outcome, (-1, errno.EPERM))
