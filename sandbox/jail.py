"""The process tree of one job: a reporter and the confined job process it forks.

Both backends end up here. `run_reporter` forks the job process and reports its exit status on
the status pipe. Under the fork server the reporter is C1, outside the job's pid namespace, and
the job process is pid 1 of that namespace: when it exits, the kernel kills whatever it left
there. Under bubblewrap the reporter is pid 1 and the job process pid 2. The job process leads a
session and process group of its own (a signal to "its group" reaches only the job), joins the
slot cgroups, builds its private mounts when asked, sets its rlimits, drops every capability,
sets no_new_privs, loads the seccomp filter and only then runs student code (runtime.run).
"""
import json
import math
import os
import resource
import signal
import struct
import sys
import time

from . import linux, runtime, seccomp

CGROUP_MOUNT = "/run/cgroup"
DEVICE_NODES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty")
DEVICE_LINKS = {"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1",
                "stderr": "/proc/self/fd/2", "ptmx": "pts/ptmx"}
FD_LIMIT = 256
FORK_SERVER_READY = b"ready"
# the reporter's first words on the status pipe: until they arrive, no student code can have run
REPORTER_STARTED = b"started\n"
# what the job process writes on its confinement pipe before any student code runs: "1", then
# the CLOCK_MONOTONIC times at which it started, joined its cgroups, mounted, and was confined
CONFINED = struct.Struct("=cdddd")
CONFINED_CLOCK = ("job_started", "cgroups", "mounts", "confined")


class JobFds:
    """The descriptors one job receives, in the order they travel over the control socket."""
    ORDER = ("input", "stdout", "stderr", "result", "status")

    def __init__(self, fds):
        for name, fd in zip(self.ORDER, fds, strict=True):
            setattr(self, name, fd)


def run_reporter(control, fds, clock=None):
    """Fork the job process and report how it ended; never returns. `control` is the supervisor's
    JSON job description.

    `clock` collects CLOCK_MONOTONIC readings (the clock is the same in every namespace) of the
    steps up to the job's exit; they go back on the status line as diagnostics for the bench
    (`Result.timings`), written by processes the student's code cannot reach, and no verdict
    ever reads them."""
    clock = dict(clock or {})
    os.write(fds.status, REPORTER_STARTED)
    _drop_signal_handlers_as_pid_1()
    confined_read, confined_write = os.pipe()
    job_pid = os.fork()
    if job_pid == 0:
        os.close(fds.status)
        os.close(confined_read)
        _run_job_process(control, fds, confined_write)
    for fd in (fds.input, fds.stdout, fds.stderr, fds.result, confined_write):
        os.close(fd)
    status = _wait_for(job_pid)
    clock["job_exited"] = time.monotonic()
    # written by the job process after confinement and before any student code could run
    os.set_blocking(confined_read, False)
    try:
        report = os.read(confined_read, CONFINED.size)
    except BlockingIOError:
        report = b""
    status["confined"] = len(report) == CONFINED.size and report[:1] == b"1"
    if status["confined"]:
        clock.update(zip(CONFINED_CLOCK, CONFINED.unpack(report)[1:]))
    status["clock"] = clock
    os.write(fds.status, json.dumps(status).encode() + b"\n")
    os._exit(0)


def _drop_signal_handlers_as_pid_1():
    """The kernel delivers a signal from inside a pid namespace to its pid 1 only if it handles
    it. Python installs a SIGINT handler: left in place, the job could interrupt (`kill(1, SIGINT)`)
    the bubblewrap backend's reporter and turn its own run into a sandbox_error, which is retried
    and never charged; the fork server's job process, pid 1 itself, ignores them as well."""
    if os.getpid() != 1:
        return
    for number in signal.valid_signals():
        if callable(signal.getsignal(number)):
            signal.signal(number, signal.SIG_DFL)


def _wait_for(job_pid):
    while True:  # as pid 1 (bubblewrap) we also reap orphans until the job process itself is done
        pid, status = os.wait()
        if pid == job_pid:
            return {
                "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
                "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            }


def _mount_private_filesystems(control):
    limits = control["limits"]
    linux.mount("none", "/", None, linux.MS_REC | linux.MS_PRIVATE)
    # a proc of our own pid namespace: the inherited one would show (and open) other jobs' processes
    linux.mount("proc", "/proc", "proc", linux.MS_NOSUID | linux.MS_NODEV | linux.MS_NOEXEC)
    _mount_private_dev(control["gpu_nodes"])
    for target, mode in (("/tmp", "1777"), ("/dev/shm", "1777"), (runtime.WORK_DIR, "0755")):
        linux.mount("tmpfs", target, "tmpfs", linux.MS_NOSUID | linux.MS_NODEV,
                    f"size={limits['tmp_bytes']},mode={mode}")
    # the cgroup files were only needed to join; an empty read-only tmpfs hides them
    linux.mount("tmpfs", CGROUP_MOUNT, "tmpfs", linux.MS_RDONLY | linux.MS_NOSUID | linux.MS_NODEV
                | linux.MS_NOEXEC, "size=4k,mode=0555")


def _mount_private_dev(gpu_nodes):
    """The fork server's /dev is one tmpfs under every job it forks: a job that wrote there would
    leave entries (and memory charged to its slot) for the next. Each job gets a /dev of its own,
    read-only, with the usual nodes and exactly the GPU nodes the supervisor passed (none for a
    CPU job). It is built on the server's /tmp, which the job's own /tmp covers right after."""
    staging = "/tmp"
    linux.mount("tmpfs", staging, "tmpfs", linux.MS_NOSUID | linux.MS_NOEXEC, "size=64k,mode=0755")
    for node in DEVICE_NODES + tuple(gpu_nodes):
        target = os.path.join(staging, os.path.basename(node))
        open(target, "w").close()
        linux.mount(node, target, None, linux.MS_BIND)
    for directory in ("shm", "pts"):
        os.mkdir(os.path.join(staging, directory))
    for name, target in DEVICE_LINKS.items():
        os.symlink(target, os.path.join(staging, name))
    linux.mount(staging, "/dev", None, linux.MS_MOVE)
    linux.mount("devpts", "/dev/pts", "devpts", linux.MS_NOSUID | linux.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620")
    linux.mount("none", "/dev", None, linux.MS_REMOUNT | linux.MS_BIND | linux.MS_RDONLY | linux.MS_NOSUID
                | linux.MS_NOEXEC)


def _run_job_process(control, fds, confined_write):
    clock = [time.monotonic()]
    try:
        # A session and process group of its own: the one it inherits holds the fork server (or the
        # bubblewrap backend's reporter), which `kill(0, ...)` would reach, and as pid 1 its
        # `getppid()` reads 0, so `kill(getppid(), ...)` is the same call.
        os.setsid()
        _drop_signal_handlers_as_pid_1()
        for procs_file in control["cgroup_procs"]:
            with open(procs_file, "w") as handle:
                handle.write("0")
        clock.append(time.monotonic())
        if control["private_mounts"]:
            _mount_private_filesystems(control)
        clock.append(time.monotonic())
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        with open("/proc/self/oom_score_adj", "w") as handle:
            handle.write("1000")  # the OOM killer should pick the job before anything of the host's
        _wire_standard_streams(fds, confined_write)
        _set_rlimits(control["limits"])
        linux.drop_all_capabilities()
        seccomp.install()
        os.write(confined_write, CONFINED.pack(b"1", *clock, time.monotonic()))
        os.close(confined_write)
    except BaseException as exc:  # never run the code unconfined; the reporter says confined=false
        os.write(2, f"sandbox: could not confine the job: {exc!r}\n".encode())
        os._exit(1)
    runtime.run(fds.input, fds.result)


def _set_rlimits(limits):
    cpu_seconds = math.ceil(limits["cpu_s"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_bytes"], limits["file_bytes"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (FD_LIMIT, FD_LIMIT))


def _wire_standard_streams(fds, confined_write):
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(fds.stdout, 1)
    os.dup2(fds.stderr, 2)
    keep = sorted({0, 1, 2, fds.input, fds.result, confined_write})
    for low, high in zip(keep, keep[1:] + [os.sysconf("SC_OPEN_MAX")]):
        os.closerange(low + 1, high)
    sys.stdout.reconfigure(line_buffering=True)
    sys.stderr.reconfigure(line_buffering=True)
