"""Per-slot cgroup v1 groups (memory, pids, cpuacct, cpu), owned by the trusted supervisor.

Each slot has one group per controller at /sys/fs/cgroup/<controller>/torchgrade/<hostname>_<pid>_<backend>.<slot>.
The supervisor (root) sets the limits and resets the counters before every job, and afterwards
kills every process left in the group. Only `cgroup.procs` is handed to the sandbox uid, so a job
can move itself in but cannot change its limits.
"""
import itertools
import os
import signal
import socket
import time

ROOT = "/sys/fs/cgroup"
CONTROLLERS = ("memory", "pids", "cpuacct", "cpu")
# A job gets at most one CPU's worth of time per period however many threads it starts, so it
# cannot slow down the jobs beside it (the student's own reference run, or other students').
CPU_PERIOD_US = 100_000
CPU_QUOTA_US = 100_000
# Grading yields to the web: groups compete with their siblings by weight, so the slots' parent
# group gets 128 against the 1024 of each process of the web, the database and the broker at the
# root (they keep ~8/9 of a contended core), and each slot the same 128 among its siblings. An
# idle core still goes to the jobs whatever their weight. A backend for background work (validation,
# reference runs computed ahead) gives its slots a lower weight among their siblings, so that
# students' gradings get a contended core first.
CPU_SHARES = 128
BACKGROUND_CPU_SHARES = 16
PARENT = "torchgrade"
LEFTOVER_BYTES = 1 << 20  # at most this much of a finished job may still be charged when the next one starts
KILL_TIMEOUT_S = 5.0


class CgroupError(RuntimeError):
    pass


def controller_problems():
    return [f"cgroup v1 controller '{name}' is not mounted at {ROOT}/{name}"
            for name in CONTROLLERS if not os.path.exists(os.path.join(ROOT, name, "cgroup.procs"))]


def _read(path):
    with open(path) as handle:
        return handle.read()


def _write(path, value):
    with open(path, "w") as handle:
        handle.write(str(value))


def _pids_in(directory):
    try:
        return [int(line) for line in _read(os.path.join(directory, "cgroup.procs")).split()]
    except FileNotFoundError:
        return []


def send_kill_in(directories):
    """SIGKILL every process in the groups once; returns the pids found (none: the groups are empty)."""
    pids = {pid for directory in directories for pid in _pids_in(directory)}
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return pids


def kill_all_in(directories):
    """SIGKILL every process in the groups until they are empty (forks racing the kill included)."""
    deadline = time.monotonic() + KILL_TIMEOUT_S
    while pids := send_kill_in(directories):
        if time.monotonic() > deadline:
            raise CgroupError(f"processes {sorted(pids)} survived SIGKILL in {directories}")
        time.sleep(0.001)


def _supervisor_is_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_backend_numbers = itertools.count()


def slot_group_names(slots):
    """Names for one backend's slot groups: <hostname>_<pid>_<backend>.<slot>. Slot groups live in
    the host's hierarchy, which worker containers on one host share: the hostname (a container's
    own) keeps two supervisors with the same pid apart, and the backend number two backends of
    one process."""
    backend = next(_backend_numbers)
    return [f"{socket.gethostname()}_{os.getpid()}_{backend}.{slot}" for slot in range(slots)]


def remove_stale_groups():
    """Empty and remove this host's slot groups whose supervisor no longer runs (killed, crashed).
    Groups of other hosts (containers) are not ours to judge: their pids mean nothing here."""
    host = socket.gethostname()
    for controller in CONTROLLERS:
        parent = os.path.join(ROOT, controller, PARENT)
        if not os.path.isdir(parent):
            continue
        for name in os.listdir(parent):
            owner_host, _, owner_pid = name.rpartition("_")[0].rpartition("_")
            if (owner_host == host and owner_pid.isdigit() and int(owner_pid) != os.getpid()
                    and not _supervisor_is_alive(int(owner_pid))):
                directory = os.path.join(parent, name)
                kill_all_in([directory])
                os.rmdir(directory)


class SlotCgroup:
    def __init__(self, name, uid, cpu_shares=CPU_SHARES):
        self.directories = {controller: os.path.join(ROOT, controller, PARENT, name)
                            for controller in CONTROLLERS}
        for directory in self.directories.values():
            os.makedirs(directory, exist_ok=True)
            os.chown(os.path.join(directory, "cgroup.procs"), uid, -1)
        _write(os.path.join(os.path.dirname(self.directories["cpu"]), "cpu.shares"), CPU_SHARES)
        _write(self._file("cpu", "cpu.shares"), cpu_shares)
        _write(self._file("cpu", "cpu.cfs_period_us"), CPU_PERIOD_US)
        _write(self._file("cpu", "cpu.cfs_quota_us"), CPU_QUOTA_US)
        self._oom_kills_before = 0

    @property
    def procs_files(self):
        return {controller: os.path.join(directory, "cgroup.procs")
                for controller, directory in self.directories.items()}

    def _file(self, controller, name):
        return os.path.join(self.directories[controller], name)

    def prepare(self, limits):
        """Empty the group, apply the job's limits and reset the counters."""
        self.kill_all()
        self._wait_for_memory_release()
        memory_limit = self._file("memory", "memory.limit_in_bytes")
        swap_limit = self._file("memory", "memory.memsw.limit_in_bytes")
        has_swap_accounting = os.path.exists(swap_limit)
        if has_swap_accounting:
            _write(swap_limit, -1)  # memsw must stay >= the memory limit while both change
        _write(memory_limit, limits.memory_bytes)
        if has_swap_accounting:
            _write(swap_limit, limits.memory_bytes)  # no escape into swap
        _write(self._file("memory", "memory.max_usage_in_bytes"), 0)
        _write(self._file("pids", "pids.max"), limits.processes)
        _write(self._file("cpuacct", "cpuacct.usage"), 0)
        self._oom_kills_before = self.oom_kills()

    def _wait_for_memory_release(self):
        """A job's processes leave the group as they start to exit; their memory, and their private
        tmpfs with it, is freed a moment later. Until it is, it would count against the next job.

        A few pages may stay for a second or two (the kernel tears a finished job's mount namespace
        down later, with the source files written into its /work): up to LEFTOVER_BYTES is not
        worth the wait, which would otherwise hold every grading up by that much."""
        deadline = time.monotonic() + KILL_TIMEOUT_S
        while (held := self._unreclaimable_bytes()) > LEFTOVER_BYTES:
            if time.monotonic() > deadline:
                raise CgroupError(f"{held} bytes of a finished job are still charged to {self.directories['memory']}")
            time.sleep(0.001)

    def _unreclaimable_bytes(self):
        counters = dict(line.split() for line in _read(self._file("memory", "memory.stat")).splitlines())
        return int(counters["rss"]) + int(counters["shmem"])

    def oom_kills(self):
        for line in _read(self._file("memory", "memory.oom_control")).splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        raise CgroupError("memory.oom_control has no oom_kill counter (kernel too old)")

    def cpu_seconds(self):
        return int(_read(self._file("cpuacct", "cpuacct.usage"))) / 1e9

    def peak_memory_bytes(self):
        return int(_read(self._file("memory", "memory.max_usage_in_bytes")))

    def was_oom_killed(self):
        return self.oom_kills() > self._oom_kills_before

    def kill_all(self):
        kill_all_in(list(self.directories.values()))

    def send_kill(self):
        """SIGKILL what is in the group without waiting for it to go: `prepare` waits, so the next
        job in this slot still starts only once the group is empty."""
        send_kill_in(list(self.directories.values()))

    def remove(self):
        self.kill_all()
        for directory in self.directories.values():
            try:
                os.rmdir(directory)
            except FileNotFoundError:
                pass
