"""What the host must provide, and how bubblewrap lays out the sandbox's filesystem.

Everything here runs on the trusted side. `problems()` lists what is missing (so that nothing is
ever run without isolation); `stage_runtime()` copies the few modules the sandbox executes into a
world-readable directory, because the repository itself may sit under a root-only directory.
"""
import glob
import os
import platform
import shutil
import stat
import sys
import tempfile

from . import cgroups

RUNTIME_MODULES = ("__init__.py", "linux.py", "seccomp.py", "wire.py", "runtime.py", "jail.py", "forkserver.py")
RUNTIME_MOUNT = "/opt/sandbox-runtime"
STAGING_PREFIX = "torchgrade-sandbox-"
GPU_NODE_PATTERNS = ("/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia[0-9]*")
PYTHON = sys.executable  # the venv's link to the real binary (a shim would cost ~80 ms)
VENV = os.path.realpath(sys.prefix)
ENVIRONMENT = {
    "PATH": f"{VENV}/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
    # torch's thread pools deadlock in forked children unless single-threaded
    "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1",
}
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def default_slots() -> int:
    """Sandbox slots for this host: one per core this process may use, less one. A job can use a
    whole core (its CPU quota); the spare core is for what runs at the default weight beside the
    jobs: the web, the database, the broker and the worker's own trusted work on each grading
    (encoding inputs, judging, saving), so a grading burst cannot take every core even for the
    moment the slots' low CPU weight needs to hand it back. A one-core host still gets a slot."""
    return max(1, len(os.sched_getaffinity(0)) - 1)


def bwrap_path():
    return shutil.which("bwrap") or ("/usr/bin/bwrap" if os.path.exists("/usr/bin/bwrap") else None)


def problems(uid):
    """Human-readable reasons this host cannot isolate jobs; empty when it can."""
    found = []
    if sys.platform != "linux" or platform.machine() != "x86_64":
        found.append(f"the sandbox needs Linux on x86_64 (seccomp filter), this is {sys.platform} {platform.machine()}")
    if bwrap_path() is None:
        found.append("bubblewrap is not installed (apt-get install bubblewrap)")
    if os.geteuid() != 0:
        found.append("the supervisor is not root, so it cannot create job cgroups")
    found += cgroups.controller_problems()
    found += _user_namespace_problems()
    for path in (os.path.realpath(PYTHON), VENV, os.path.dirname(os.__file__)):
        blocker = _hidden_from_others(path)
        if blocker:
            found.append(f"{path} is not readable by uid {uid} ({blocker}); use a world-readable "
                         "interpreter and venv such as /opt/torchgrade/venv")
    return found


def _user_namespace_problems():
    try:
        with open("/proc/sys/user/max_user_namespaces") as handle:
            if int(handle.read()) < 3:
                return ["user namespaces are disabled (sysctl user.max_user_namespaces)"]
        with open("/proc/sys/kernel/unprivileged_userns_clone") as handle:
            if handle.read().strip() != "1":
                return ["unprivileged user namespaces are disabled (sysctl kernel.unprivileged_userns_clone=1)"]
    except FileNotFoundError:
        pass  # the Debian-only switch is absent on other kernels
    return []


def _hidden_from_others(path):
    """Why `path` is not readable by an arbitrary uid, or None."""
    current = path
    while True:
        mode = os.stat(current).st_mode
        needed = stat.S_IXOTH if stat.S_ISDIR(mode) else stat.S_IROTH
        if current == path and stat.S_ISDIR(mode):
            needed |= stat.S_IROTH
        if not mode & needed:
            return f"mode {stat.S_IMODE(mode):04o} on {current}"
        if current == "/":
            return None
        current = os.path.dirname(current)


def stage_runtime():
    """Copy the in-sandbox modules into a fresh 0755 directory; returns its path."""
    staging = tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-")
    package = os.path.join(staging, "sandbox")
    os.mkdir(package)
    for name in RUNTIME_MODULES:
        target = os.path.join(package, name)
        if name == "__init__.py":
            open(target, "w").close()  # the real __init__ pulls in the trusted side
        else:
            shutil.copyfile(os.path.join(_PACKAGE_DIR, name), target)
        os.chmod(target, 0o644)
    os.chmod(package, 0o755)
    os.chmod(staging, 0o755)
    return staging


def remove_stale_staging():
    for staging in glob.glob(os.path.join(tempfile.gettempdir(), f"{STAGING_PREFIX}*-*")):
        owner = os.path.basename(staging)[len(STAGING_PREFIX):].split("-", 1)[0]
        if owner.isdigit() and not os.path.exists(f"/proc/{owner}"):
            shutil.rmtree(staging, ignore_errors=True)


def python_command(statement, *arguments):
    """Run `statement` with the staged runtime importable, isolated from PYTHON* variables."""
    boot = f"import sys; sys.path.insert(0, {RUNTIME_MOUNT!r}); {statement}"
    return [PYTHON, "-I", "-B", "-c", boot, *arguments]


def bwrap_command(staging, extra_arguments, command, hidden_paths=()):
    """The bubblewrap invocation shared by both backends: a read-only root with only what Python needs.

    Each of `hidden_paths` (directories inside what is bound, e.g. a data set a package ships whose
    labels are a grader's hidden evidence) is covered by an empty read-only tmpfs."""
    arguments = [bwrap_path(), "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc",
                 "--unshare-uts", "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--clearenv"]
    for name, value in ENVIRONMENT.items():
        arguments += ["--setenv", name, value]
    arguments += ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/lib", "/lib64", "/sbin"):
        if os.path.islink(top):
            arguments += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            arguments += ["--ro-bind", top, top]
    arguments += ["--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache",
                  "--ro-bind", VENV, VENV,
                  "--ro-bind", staging, RUNTIME_MOUNT,
                  "--proc", "/proc", "--dev", "/dev", "--chdir", "/"]
    for path in hidden_paths:
        arguments += ["--tmpfs", path, "--remount-ro", path]
    # the root and /dev stay read-only: nothing a job could write there would be its own
    return arguments + extra_arguments + ["--remount-ro", "/dev", "--remount-ro", "/", "--", *command]


def gpu_nodes() -> list[str]:
    """The host's NVIDIA device nodes, found once by the supervisor: never by anything in a job."""
    return sorted(path for pattern in GPU_NODE_PATTERNS for path in glob.glob(pattern)
                  if stat.S_ISCHR(os.stat(path).st_mode))


def gpu_arguments(nodes):
    return [argument for node in nodes for argument in ("--dev-bind", node, node)]
