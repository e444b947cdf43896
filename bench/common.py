"""What the benches share: a fresh PostgreSQL database of their own, and where the CPU time went."""

import os
import signal
import subprocess

import psycopg

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def recreate_database(name, connect_timeout=5):
    """Drop and create `name`; return its URL. Raises psycopg.OperationalError without PostgreSQL."""
    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=connect_timeout) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def drop_database(name):
    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def stop_group(process, timeout=30):
    """Stop a process started in a session of its own, with everything it started (SIGTERM, then SIGKILL)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SANDBOX_CPUACCT = "/sys/fs/cgroup/cpuacct/torchgrade/cpuacct.usage"
# Who used the CPU, by the process's command line: the first label whose marker it contains.
CPU_USERS = (
    ("sandbox fork servers (outside jobs)", "sandbox.forkserver"),
    ("Celery worker processes", "celery"),
    ("gunicorn (web)", "gunicorn"),
    ("PostgreSQL", "postgres"),
    ("Redis", "redis-server"),
)


def _busy_seconds():
    with open("/proc/stat") as stat:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, stat.readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def _process_seconds():
    """CPU seconds of each live process (utime + stime), by pid, with its command line."""
    found = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                command = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        found[int(pid)] = (command, (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
    return found


def _sandbox_seconds():
    try:
        with open(SANDBOX_CPUACCT) as usage:
            return int(usage.read()) / 1e9
    except OSError:
        return 0.0


class CpuAccount:
    """Where the machine's CPU time went between start() and stop(): the sandbox jobs (their
    cgroups), the worker, web, database and broker processes, this bench, and the rest."""

    def start(self):
        self.busy, self.processes, self.sandbox = _busy_seconds(), _process_seconds(), _sandbox_seconds()
        return self

    def stop(self):
        busy, processes = _busy_seconds() - self.busy, _process_seconds()
        shares = {"sandbox jobs": _sandbox_seconds() - self.sandbox}
        for pid, (command, seconds) in processes.items():
            used = seconds - self.processes.get(pid, (command, 0.0))[1]
            label = "this bench" if pid == os.getpid() else next(
                (label for label, marker in CPU_USERS if marker in command), None)
            if label:
                shares[label] = shares.get(label, 0.0) + used
        shares["other (exited processes, kernel, the rest)"] = busy - sum(shares.values())
        self.busy, self.shares = busy, shares
        return self

    def report(self, count, what):
        """Lines of CPU milliseconds per `what` (count of them), largest first."""
        lines = [f"CPU per {what}: {1000 * self.busy / count:.1f} ms of busy CPU on {os.cpu_count()} cores"]
        lines += [f"  {1000 * seconds / count:7.1f} ms  {label}"
                  for label, seconds in sorted(self.shares.items(), key=lambda item: -item[1])]
        return "\n".join(lines)
