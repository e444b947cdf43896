"""The trusted supervisor: slots, limits, the job's pipes, and the verdict.

Runs as root inside the grader's worker. For each job it prepares a slot cgroup, creates the
job's pipes itself (so it reads stdout/stderr/result directly, with caps), hands the child ends
to a backend, enforces wall time, output and CPU by killing the slot cgroup, and classifies the
outcome from what it measured (cgroup counters, the job reporter's status line), never from what the
student's code claims. The result frame is decoded by the strict wire decoder as data.
"""
import json
import logging
import os
import queue
import selectors
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

from . import cgroups, host, jail, wire
from .api import IsolationUnavailable, Job, Limits, Result, Status

NO_GPU_MESSAGE = "this host has no NVIDIA GPU (cuda job)"
SERVER_STOPPED_MESSAGE = "the sandbox fork server stopped; the job will be retried"
READ_CHUNK = 1 << 16
DRAIN_TIMEOUT_S = 1.0
POLL_INTERVAL_S = 0.05
SERVER_START_TIMEOUT_S = 120.0
# a fork server whose jobs fail this many times in a row with our own errors is replaced
RESTART_AFTER_SANDBOX_ERRORS = 2
CANARY_JOB = Job(main="RESULT = sum(range(10))", limits=Limits(wall_s=10, cpu_s=5, memory_bytes=256 << 20))
CANARY_VALUE = 45

# (phase, from, to): CLOCK_MONOTONIC readings of the supervisor, the fork server, C1, the job's
# the job's reporter and the job process before it runs student code (none the student's code can write)
PHASES = (
    ("prepare", "acquired", "received"),  # slot cgroup, input frame, pipes, the fork server reads the message
    ("fork", "received", "forked"),  # C1
    ("namespaces", "forked", "namespaces"),  # unshare, id maps
    ("job fork", "namespaces", "job_started"),
    ("cgroup join", "job_started", "cgroups"),
    ("mounts", "cgroups", "mounts"),
    ("confine", "mounts", "confined"),  # rlimits, capabilities, no_new_privs, seccomp
    ("run", "confined", "result_arrived"),  # input decode, student code, result encode, first write
    ("exit", "result_arrived", "job_exited"),  # the job process's exit, reaped by its reporter
    ("report", "job_exited", "reported"),  # the reporter's status line reaches the supervisor
    ("kill", "reported", "killed"),
    ("result", "killed", "delivered"),  # drain, decode, verdict, counters
)

logger = logging.getLogger("torchgrade.sandbox")


class SandboxFault(RuntimeError):
    """Something on our side failed; the job becomes sandbox_error."""


def _human_bytes(count):
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if count >= size and count % size == 0:
            return f"{count // size} {unit}"
    return f"{count} bytes"


def _signal_name(number):
    try:
        return f"{signal.Signals(number).name} ({signal.strsignal(number)})"
    except ValueError:
        return f"signal {number}"


class _JobPipes:
    """The descriptors of one job: the supervisor keeps the read ends, the child gets the rest."""

    def __init__(self, input_frame):
        self.input = os.memfd_create("job-input", os.MFD_CLOEXEC)
        os.write(self.input, input_frame)
        self.readers = {}
        child_ends = {"input": self.input}
        for name in ("stdout", "stderr", "result", "status"):
            self.readers[name], child_ends[name] = os.pipe2(os.O_CLOEXEC)
        self.child_fds = [child_ends[name] for name in jail.JobFds.ORDER]

    def close_child_ends(self):
        for fd in self.child_fds:
            os.close(fd)
        self.child_fds = []

    def close(self):
        self.close_child_ends()
        for fd in self.readers.values():
            os.close(fd)
        self.readers = {}


class _Collected:
    """What the supervisor read and saw while the job ran."""

    def __init__(self):
        self.data = {"stdout": bytearray(), "stderr": bytearray(), "result": bytearray(), "status": bytearray()}
        self.stop_reason = None  # "wall", "cpu", "output", "result"
        self.output_truncated = False
        self.clock = {}  # the supervisor's CLOCK_MONOTONIC readings, for Result.timings

    @property
    def reporter_started(self):
        return self.data["status"].startswith(jail.REPORTER_STARTED)

    @property
    def reported(self):
        """The reporter's whole status line is in: the job process has been reaped."""
        return b"\n" in self.data["status"].removeprefix(jail.REPORTER_STARTED)

    def status(self):
        line = bytes(self.data["status"]).removeprefix(jail.REPORTER_STARTED).split(b"\n", 1)[0]
        try:
            return json.loads(line) if line else None
        except ValueError:
            return {"fault": f"unreadable status line {line[:200]!r}"}


def _phases(collected):
    """Seconds per phase, from the supervisor's readings and those the job's reporter sent."""
    status = collected.status() or {}
    reported = status.get("clock") if type(status.get("clock")) is dict else {}
    points = {name: value for name, value in reported.items() if type(value) is float}
    points.update(collected.clock)
    return {phase: points[end] - points[start] for phase, start, end in PHASES
            if start in points and end in points}


class Backend:
    """Runs jobs at most `slots` at a time. Subclasses say how a job's process tree is started."""

    def __init__(self, slots=2, uid=65534, hidden_paths=(), cpu_shares=cgroups.CPU_SHARES):
        if slots < 1:
            raise ValueError("slots must be >= 1")
        missing = [path for path in hidden_paths if not os.path.isdir(path)]
        if missing:
            raise ValueError(f"hidden_paths must be directories that exist: {missing}")
        self.hidden_paths = tuple(hidden_paths)  # covered by an empty tmpfs in every job
        found = host.problems(uid)
        if found:
            raise IsolationUnavailable("the sandbox cannot isolate jobs on this host: " + "; ".join(found))
        self.uid = uid
        self._gpu_nodes = host.gpu_nodes()
        self.has_gpu = bool(self._gpu_nodes)
        self.server_restarts = 0  # fork servers replaced since start-up (for monitoring)
        try:
            cgroups.remove_stale_groups()
            host.remove_stale_staging()
            self._staging = host.stage_runtime()
            self._slots = [cgroups.SlotCgroup(name, uid, cpu_shares) for name in cgroups.slot_group_names(slots)]
        except OSError as exc:
            raise IsolationUnavailable(f"cannot set up the sandbox: {exc}") from exc
        self._free_slots = queue.Queue()
        for index in range(slots):
            self._free_slots.put(index)
        self._closed = False

    # -- the part each backend provides

    def _start(self, job, slot_index, control, pipes):
        """Start the job's process tree with `pipes.child_fds`; return a handle for `_finish`."""
        raise NotImplementedError

    def _finish(self, handle):
        """Called once the job is over and its cgroup is empty."""

    def _after_job(self, result):
        """Called with the result of every job that ran in a slot."""

    def _explain_fault(self, message):
        """The message of a sandbox_error; a backend may know a more precise cause."""
        return message

    # -- shared

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        if self._closed:
            return
        self._closed = True
        for slot in self._slots:
            slot.remove()
        shutil.rmtree(self._staging, ignore_errors=True)

    def _drop_privileges(self):
        os.setgroups([])
        os.setgid(self.uid)
        os.setuid(self.uid)

    def run(self, job):
        if self._closed:
            raise RuntimeError("the backend is closed")
        if job.device == "cuda" and not self.has_gpu:
            return Result(Status.SANDBOX_ERROR, error=NO_GPU_MESSAGE)
        slot_index = self._free_slots.get()
        try:
            result = self._run_in_slot(job, slot_index)
        finally:
            self._free_slots.put(slot_index)
        self._after_job(result)
        return result

    def canary(self) -> bool:
        """Whether the sandbox can run jobs right now: a tiny fixed job (no torch) must return its
        value. It waits for a free slot like any job."""
        result = self.run(CANARY_JOB)
        return result.status is Status.OK and result.value == CANARY_VALUE

    def _run_in_slot(self, job, slot_index):
        acquired = time.monotonic()
        slot = self._slots[slot_index]
        limits = job.limits
        try:
            slot.prepare(limits)
            input_frame = wire.encode({"main": job.main, "files": dict(job.files), "inputs": job.inputs})
        except wire.EncodeError as exc:
            raise ValueError(f"the job's inputs cannot be sent: {exc}") from exc
        except (OSError, cgroups.CgroupError) as exc:
            return Result(Status.SANDBOX_ERROR, error=f"cannot prepare the job's cgroup: {exc}")
        control = {"limits": limits.for_child(),
                   "gpu_nodes": self._gpu_nodes if job.device == "cuda" else []}
        try:
            pipes = _JobPipes(input_frame)
        except OSError as exc:  # out of file descriptors or memory: ours, so retryable
            return Result(Status.SANDBOX_ERROR, error=f"cannot create the job's pipes: {exc}")
        try:
            handle = self._start(job, slot_index, control, pipes)
            started = time.monotonic()  # after a fork server restart, which is not the job's time
            pipes.close_child_ends()
            collected = self._collect(pipes, slot, limits, started)
            collected.clock.update(acquired=acquired, reported=time.monotonic())
            if collected.reported:
                # the job's pid namespace is gone (or going, with the bubblewrap backend's pid 1):
                # the kernel kills all of it and forks racing that fail, so no need to wait here;
                # the next `prepare` of the slot waits for the group to be empty
                slot.send_kill()
            else:
                slot.kill_all()
            collected.clock["killed"] = time.monotonic()
            wall_s = time.monotonic() - started
            self._drain(pipes, collected, limits)
            self._finish(handle)
            result = self._verdict(collected, slot, limits)
            result.cpu_s = slot.cpu_seconds()
            result.peak_memory_bytes = slot.peak_memory_bytes()
            collected.clock["delivered"] = time.monotonic()
            result.timings = _phases(collected)
        except (SandboxFault, OSError, cgroups.CgroupError) as exc:
            slot.kill_all()
            return Result(Status.SANDBOX_ERROR, error=str(exc) or repr(exc))
        finally:
            pipes.close()
        result.wall_s = wall_s
        result.stdout = collected.data["stdout"].decode("utf-8", errors="replace")
        result.stderr = collected.data["stderr"].decode("utf-8", errors="replace")
        result.output_truncated = collected.output_truncated
        return result

    def _collect(self, pipes, slot, limits, started):
        """Read the job's pipes until its reporter has reported (or exited) or a limit is hit."""
        collected = _Collected()
        deadline = started + limits.wall_s
        with selectors.DefaultSelector() as selector:
            for name, fd in pipes.readers.items():
                selector.register(fd, selectors.EVENT_READ, name)
            while True:
                now = time.monotonic()
                if now >= deadline:
                    collected.stop_reason = "wall"
                    return collected
                if slot.cpu_seconds() > limits.cpu_s:
                    collected.stop_reason = "cpu"
                    return collected
                for key, _events in selector.select(min(deadline - now, POLL_INTERVAL_S)):
                    if not self._read_into(key.fileobj, key.data, collected, limits):
                        selector.unregister(key.fileobj)
                        if key.data == "status":
                            return collected  # the reporter is gone: the job is over
                    if collected.stop_reason:
                        return collected
                    if key.data == "status" and collected.reported:
                        return collected  # the job is over; the reporter's own exit is not the job's time

    def _drain(self, pipes, collected, limits):
        """After the kill, take what the job wrote before it died (the writers are gone, EOF comes)."""
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        with selectors.DefaultSelector() as selector:
            for name in ("stdout", "stderr", "result") + (() if collected.reported else ("status",)):
                selector.register(pipes.readers[name], selectors.EVENT_READ, name)
            while selector.get_map() and not collected.stop_reason:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                for key, _events in selector.select(remaining):
                    if not self._read_into(key.fileobj, key.data, collected, limits):
                        selector.unregister(key.fileobj)

    @staticmethod
    def _read_into(fd, name, collected, limits):
        """Read one chunk; False at EOF. Sets stop_reason when a cap is exceeded."""
        chunk = os.read(fd, READ_CHUNK)
        if not chunk:
            return False
        buffer = collected.data[name]
        if name in ("stdout", "stderr"):
            room = limits.output_bytes - len(collected.data["stdout"]) - len(collected.data["stderr"])
            buffer += chunk[:max(room, 0)]
            if len(chunk) > room:
                collected.output_truncated = True
                collected.stop_reason = "output"
        elif name == "result":
            collected.clock.setdefault("result_arrived", time.monotonic())
            buffer += chunk
            if len(buffer) > limits.result_bytes:
                collected.stop_reason = "result"
        elif len(buffer) < READ_CHUNK:
            buffer += chunk
        return True

    def _verdict(self, collected, slot, limits):
        status = collected.status()
        if status is not None and "fault" in status:
            raise SandboxFault(f"the sandbox could not start the job: {status['fault']}")
        if not collected.reporter_started:  # whatever the timer or the counters say, no student code ran
            raise SandboxFault(self._explain_fault(f"the sandbox did not start the job within {limits.wall_s:g} s"))
        exit_code = status.get("exit_code") if status else None
        signal_number = status.get("signal") if status else None

        def result(state, error="", value=None):
            return Result(state, value=value, error=error, exit_code=exit_code, signal=signal_number)

        if slot.was_oom_killed():
            return result(Status.MEMORY_LIMIT, f"memory limit {_human_bytes(limits.memory_bytes)} exceeded")
        if collected.stop_reason == "output":
            return result(Status.OUTPUT_LIMIT, f"output limit {_human_bytes(limits.output_bytes)} exceeded")
        if collected.stop_reason == "wall":
            return result(Status.TIME_LIMIT, f"time limit {limits.wall_s:g} s exceeded")
        if (collected.stop_reason == "cpu" or slot.cpu_seconds() > limits.cpu_s
                or signal_number == signal.SIGXCPU):
            return result(Status.TIME_LIMIT, f"CPU time limit {limits.cpu_s:g} s exceeded")
        if collected.stop_reason == "result":
            return result(Status.RUNTIME_ERROR, f"result too large (more than {_human_bytes(limits.result_bytes)})")
        if status is None:
            raise SandboxFault(self._explain_fault("the job's reporter ended without reporting a status"))
        if not status.get("confined"):
            raise SandboxFault("the job could not be confined: "
                               + collected.data["stderr"].decode("utf-8", errors="replace")[-2000:])
        if signal_number is not None:
            return result(Status.RUNTIME_ERROR, f"the program was killed by {_signal_name(signal_number)}")
        if exit_code != 0 or not collected.data["result"]:
            return result(Status.RUNTIME_ERROR, f"the program exited (code {exit_code}) before returning a result")
        try:
            reply = wire.decode(bytes(collected.data["result"]), limits.result_bytes)
            if type(reply) is not dict or len(reply) != 1 or not ({"result", "error"} >= reply.keys()):
                raise wire.WireError("expected exactly one of 'result' or 'error'")
            if "error" in reply and type(reply["error"]) is not str:
                raise wire.WireError("'error' must be a string")
        except wire.WireError as exc:
            return result(Status.RUNTIME_ERROR, f"the returned data is malformed: {exc}")
        if "error" in reply:
            return result(Status.RUNTIME_ERROR, reply["error"])
        return result(Status.OK, value=reply["result"])


class ForkServerBackend(Backend):
    """Jobs are forked from one warm, unprivileged, namespaced interpreter (the default)."""

    def __init__(self, slots=2, uid=65534, hidden_paths=(), cpu_shares=cgroups.CPU_SHARES):
        super().__init__(slots, uid, hidden_paths, cpu_shares)
        self._server = None
        self._server_lock = threading.Lock()
        self._sandbox_errors_in_a_row = 0
        try:
            with self._server_lock:
                self._start_server()
        except SandboxFault as exc:
            self.close()
            raise IsolationUnavailable(str(exc)) from exc

    def _start_server(self):
        supervisor_end, server_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        bind_slot_cgroups = []
        for index, slot in enumerate(self._slots):
            for controller, directory in slot.directories.items():
                bind_slot_cgroups += ["--bind", directory, f"{jail.CGROUP_MOUNT}/{controller}/slot-{index}"]
        command = host.bwrap_command(
            self._staging,
            ["--tmpfs", "/tmp", "--dir", "/work", *bind_slot_cgroups, *host.gpu_arguments(self._gpu_nodes)],
            host.python_command("from sandbox.forkserver import serve; serve(int(sys.argv[1]))",
                                str(server_end.fileno())), self.hidden_paths)
        log = tempfile.TemporaryFile()
        try:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env={},
                                       pass_fds=[server_end.fileno()], preexec_fn=self._drop_privileges)
        finally:
            server_end.close()
        supervisor_end.settimeout(SERVER_START_TIMEOUT_S)
        try:
            ready = supervisor_end.recv(len(jail.FORK_SERVER_READY))
        except OSError:
            ready = b""
        if ready != jail.FORK_SERVER_READY:
            process.kill()
            process.wait()
            log.seek(0)
            raise SandboxFault("the sandbox fork server did not start: "
                               + log.read()[-4000:].decode("utf-8", errors="replace"))
        supervisor_end.settimeout(None)
        self._server = (process, supervisor_end, log)

    def _start(self, job, slot_index, control, pipes):
        control = dict(control, private_mounts=True, cgroup_procs=[
            f"{jail.CGROUP_MOUNT}/{controller}/slot-{slot_index}/cgroup.procs" for controller in cgroups.CONTROLLERS])
        message = json.dumps(control).encode()
        with self._server_lock:
            if self._server is None or self._server[0].poll() is not None:
                self._replace_server("the fork server is not running")
            try:
                socket.send_fds(self._server[1], [message], pipes.child_fds)
            except OSError as exc:
                raise SandboxFault(SERVER_STOPPED_MESSAGE) from exc

    def _explain_fault(self, message):
        process = self._server[0] if self._server else None
        if process is None or _wait_quietly(process, 0.5) is not None:
            return SERVER_STOPPED_MESSAGE
        return message

    def _after_job(self, result):
        with self._server_lock:
            if result.status is not Status.SANDBOX_ERROR:
                self._sandbox_errors_in_a_row = 0
                return
            self._sandbox_errors_in_a_row += 1
            if self._sandbox_errors_in_a_row >= RESTART_AFTER_SANDBOX_ERRORS:
                self._replace_server_or_log(f"{self._sandbox_errors_in_a_row} jobs in a row ended in "
                                            f"sandbox_error, the last: {result.error}")

    def canary(self) -> bool:
        """As Backend.canary, but a failing canary replaces the fork server and tries once more."""
        if super().canary():
            return True
        with self._server_lock:
            self._replace_server_or_log("the canary job failed")
        return super().canary()

    def _replace_server_or_log(self, reason):
        try:
            self._replace_server(reason)
        except SandboxFault as exc:  # the next job tries again to start one
            logger.error("the sandbox fork server could not be replaced: %s", exc)

    def _replace_server(self, reason):
        """Kill the fork server (in-flight jobs become sandbox_error) and start a new one."""
        logger.warning("replacing the sandbox fork server: %s", reason)
        self._sandbox_errors_in_a_row = 0
        self._stop_server(graceful=False)
        self._start_server()
        self.server_restarts += 1

    def _stop_server(self, graceful=True):
        if self._server is None:
            return
        process, channel, log = self._server
        self._server = None
        channel.close()  # a working server exits when it reads EOF
        if not graceful or _wait_quietly(process, 5) is None:
            process.kill()
            process.wait()
        log.close()

    @property
    def server_pid(self):
        """The host pid of the fork server's bubblewrap process (for tests and monitoring)."""
        return self._server[0].pid if self._server else None

    def close(self):
        if self._closed:
            return
        with self._server_lock:
            self._stop_server()
        super().close()


def _wait_quietly(process, timeout):
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        return None


class BwrapBackend(Backend):
    """One bubblewrap sandbox and one fresh interpreter per job: the fallback and benchmark baseline.

    The interpreter start-up (and `import torch`, ~1.5 s) counts against the job's wall and CPU time.
    """

    def _start(self, job, slot_index, control, pipes):
        slot = self._slots[slot_index]
        control = dict(control, private_mounts=False, cgroup_procs=[], fds=pipes.child_fds)
        limits = job.limits
        mounts = []
        for target, mode in (("/tmp", "1777"), ("/dev/shm", "1777"), ("/work", "0755")):
            mounts += ["--size", str(limits.tmp_bytes), "--perms", mode, "--tmpfs", target]
        mounts += host.gpu_arguments(control["gpu_nodes"])
        command = host.bwrap_command(
            self._staging, ["--as-pid-1", *mounts],
            host.python_command("import json; from sandbox import jail; control = json.loads(sys.argv[1]); "
                                "jail.run_reporter(control, jail.JobFds(control['fds']))", json.dumps(control)),
            self.hidden_paths)
        procs_files = list(slot.procs_files.values())

        def enter_slot_then_drop_privileges():
            for procs_file in procs_files:
                with open(procs_file, "w") as handle:
                    handle.write("0")
            self._drop_privileges()

        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env={}, pass_fds=pipes.child_fds,
                                preexec_fn=enter_slot_then_drop_privileges)

    def _finish(self, process):
        if process is not None and _wait_quietly(process, 5) is None:
            process.kill()
            process.wait()


BACKENDS = {"forkserver": ForkServerBackend, "bwrap": BwrapBackend}


def create_backend(kind="forkserver", slots=2, uid=65534, hidden_paths=(), cpu_shares=cgroups.CPU_SHARES):
    """A ready backend; raises IsolationUnavailable (naming what is missing) rather than run unsandboxed.

    `hidden_paths`: directories no job may read (they appear empty), e.g. data sets whose labels grade.
    `cpu_shares`: each slot's CPU weight among the slots (cgroups.BACKGROUND_CPU_SHARES for background work)."""
    if kind not in BACKENDS:
        raise ValueError(f"kind must be one of {sorted(BACKENDS)}, got {kind!r}")
    return BACKENDS[kind](slots=slots, uid=uid, hidden_paths=hidden_paths, cpu_shares=cpu_shares)
