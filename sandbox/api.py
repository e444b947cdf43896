"""The public data types: what a job is, which limits bind it, and what comes back."""
import math
import posixpath
from dataclasses import dataclass, field
from enum import Enum

DEVICES = ("cpu", "cuda")


class IsolationUnavailable(RuntimeError):
    """This host cannot isolate jobs; the message names what is missing. Nothing was run."""


class Status(str, Enum):
    OK = "ok"
    RUNTIME_ERROR = "runtime_error"
    TIME_LIMIT = "time_limit"
    MEMORY_LIMIT = "memory_limit"
    OUTPUT_LIMIT = "output_limit"
    SANDBOX_ERROR = "sandbox_error"  # our fault: retry the job, never charge the student


@dataclass(frozen=True)
class Limits:
    wall_s: float = 10.0
    cpu_s: float = 10.0
    memory_bytes: int = 1 << 30
    processes: int = 64
    output_bytes: int = 64 * 1024
    file_bytes: int = 16 << 20
    result_bytes: int = 32 << 20
    tmp_bytes: int = 64 << 20

    def __post_init__(self):
        for name in ("wall_s", "cpu_s"):
            value = getattr(self, name)
            if type(value) not in (int, float) or not math.isfinite(value) or not 0 < value <= 3600:
                raise ValueError(f"{name} must be a number of seconds in (0, 3600], got {value!r}")
        minimums = {"memory_bytes": 16 << 20, "processes": 4, "output_bytes": 1, "file_bytes": 1,
                    "result_bytes": 1024, "tmp_bytes": 1 << 20}
        for name, minimum in minimums.items():
            value = getattr(self, name)
            if type(value) is not int or value < minimum:
                raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")

    def for_child(self):
        """The figures the job's own processes enforce on themselves (rlimits, tmpfs sizes)."""
        return {"cpu_s": self.cpu_s, "file_bytes": self.file_bytes, "tmp_bytes": self.tmp_bytes}


@dataclass(frozen=True)
class Job:
    main: str
    files: dict = field(default_factory=dict)
    inputs: object = None
    limits: Limits = field(default_factory=Limits)
    device: str = "cpu"

    def __post_init__(self):
        if type(self.main) is not str:
            raise TypeError("main must be Python source (str)")
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {DEVICES}, got {self.device!r}")
        if not isinstance(self.limits, Limits):
            raise TypeError("limits must be a Limits")
        for name, text in self.files.items():
            normal = posixpath.normpath(name) if type(name) is str else ""
            if not normal or normal.startswith(("/", "..")) or normal == "." or "\0" in normal:
                raise ValueError(f"file name {name!r} must be a relative path inside the work dir")
            if type(text) is not str:
                raise TypeError(f"file {name!r} must be str")


@dataclass
class Result:
    status: Status
    value: object = None
    error: str = ""
    stdout: str = ""
    stderr: str = ""
    output_truncated: bool = False
    wall_s: float = 0.0
    cpu_s: float = 0.0
    peak_memory_bytes: int = 0
    exit_code: int | None = None
    signal: int | None = None
    # seconds per phase of the job (see supervisor.PHASES): diagnostics for the bench, never a verdict
    timings: dict = field(default_factory=dict)

    @property
    def ok(self):
        return self.status is Status.OK
