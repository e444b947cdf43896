"""Sandbox benchmark: fork server vs one bubblewrap interpreter per job, and where a job's time goes.

Prints, for each backend, the p50/p95 latency of a tiny autograd job run alone, and jobs/s with
2 jobs at once for the tiny job and for a 100-step training job; for the fork server, the p50 of
each phase of a tiny job (Result.timings, see sandbox.supervisor.PHASES) and the share of a core
that a CPU-bound process at the default weight gets beside 2 busy sandbox jobs (the web's view).
Figures are printed, never asserted.

    /opt/torchgrade/venv/bin/python bench/sandbox_bench.py                  # as root
    /opt/torchgrade/venv/bin/python bench/sandbox_bench.py --before 388edf8  # also the fork server
        of that commit, measured in turns with this one in the same run (the load of a shared
        machine changes by the minute)
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIMITS_S = 60
TINY_MAIN = ("import torch\nx = torch.tensor([2.0, 3.0], requires_grad=True)\n"
             "(x ** 2).sum().backward()\nRESULT = x.grad")
TRAINING_MAIN = """
import torch
torch.manual_seed(0)
model = torch.nn.Linear(8, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
inputs, targets = torch.randn(64, 8), torch.randn(64, 1)
for _ in range(100):
    optimizer.zero_grad()
    loss = torch.nn.functional.mse_loss(model(inputs), targets)
    loss.backward()
    optimizer.step()
RESULT = loss.item()
"""
BUSY_MAIN = "import time\nend = time.monotonic() + INPUTS\nwhile time.monotonic() < end:\n    pass"
# (sequential latency samples, concurrent tiny jobs, concurrent training jobs) per backend
ROUNDS = {"forkserver": (200, 120, 40), "bwrap": (8, 8, 6)}
CONCURRENCY = 2
BUSY_S = 4.0
PROBE_S = 2.0
# a CPU-bound process at the default weight, like a web worker rendering a page
PROBE = ("import sys, time\nstart = time.monotonic(); cpu = time.process_time()\n"
         "while time.monotonic() - start < float(sys.argv[1]):\n    pass\n"
         "print((time.process_time() - cpu) / (time.monotonic() - start))")


# The sandbox package is imported inside the functions: which one (this checkout's, or another
# revision's for --before) is chosen on the command line.


def run_checked(backend, job):
    from sandbox import Status

    result = backend.run(job)
    if result.status is not Status.OK:
        raise SystemExit(f"benchmark job failed: {result.status.value}: {result.error}")
    return result


def latencies(backend, job, count):
    samples, timings = [], []
    for _ in range(count):
        started = time.perf_counter()
        result = run_checked(backend, job)
        samples.append(time.perf_counter() - started)
        timings.append(getattr(result, "timings", {}))  # a sandbox from before Result.timings has none
    return samples, timings


def throughput(backend, job, count):
    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(lambda _: run_checked(backend, job), range(count)))
    return count / (time.perf_counter() - started)


def probe_share():
    """The share of one core a CPU-bound process at the default weight gets right now."""
    output = subprocess.run([sys.executable, "-c", PROBE, str(PROBE_S)], capture_output=True, text=True, check=True)
    return float(output.stdout)


def share_beside_busy_jobs(backend, job):
    """The probe's share of a core while CONCURRENCY sandbox jobs spin."""
    busy = [threading.Thread(target=run_checked, args=(backend, job)) for _ in range(CONCURRENCY)]
    for thread in busy:
        thread.start()
    time.sleep(0.5)  # both jobs are spinning by now
    share = probe_share()
    for thread in busy:
        thread.join()
    return share


def measure(kind):
    from sandbox import Job, Limits, create_backend
    from torchgrade.stats import percentile

    limits = Limits(wall_s=LIMITS_S, cpu_s=LIMITS_S)
    tiny, training = Job(main=TINY_MAIN, limits=limits), Job(main=TRAINING_MAIN, limits=limits)
    sequential, concurrent_tiny, concurrent_training = ROUNDS[kind]
    started = time.perf_counter()
    with create_backend(kind, slots=CONCURRENCY) as backend:
        start_up = time.perf_counter() - started
        run_checked(backend, tiny)  # warm the supervisor's own imports
        samples, timings = latencies(backend, tiny, sequential)
        figures = {
            "start_up_s": start_up,
            "p50_ms": statistics.median(samples) * 1000,
            "p95_ms": percentile(samples, 95) * 1000,
            "tiny_jobs_per_s": throughput(backend, tiny, concurrent_tiny),
            "training_jobs_per_s": throughput(backend, training, concurrent_training),
            "phases_p50_ms": {phase: statistics.median(job[phase] for job in timings) * 1000
                              for phase in timings[0] if all(phase in job for job in timings)},
        }
        if kind == "forkserver":
            figures["probe_share_alone"] = probe_share()
            figures["probe_share_beside_jobs"] = share_beside_busy_jobs(
                backend, Job(main=BUSY_MAIN, inputs=BUSY_S, limits=limits))
        return figures


def measure_in_subprocess(kind, sandbox_parent):
    """Figures of `kind` with the sandbox package found in `sandbox_parent`, in a fresh process."""
    output = subprocess.run([sys.executable, os.path.abspath(__file__), "--measure", kind, "--sandbox", sandbox_parent],
                            capture_output=True, text=True)
    if output.returncode:
        raise SystemExit(f"measuring {kind} from {sandbox_parent} failed:\n{output.stderr[-3000:]}")
    return json.loads(output.stdout)


def export_sandbox(revision, directory):
    """The sandbox package as it was at `revision`, written under `directory`."""
    archive = subprocess.run(["git", "-C", REPO, "archive", revision, "sandbox"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", directory], input=archive.stdout, check=True)
    return directory


def median_of(runs):
    """Per figure, the median over repeated runs of the same variant."""
    merged = {key: statistics.median(run[key] for run in runs) for key, value in runs[0].items()
              if isinstance(value, float)}
    merged["phases_p50_ms"] = {phase: statistics.median(run["phases_p50_ms"][phase] for run in runs)
                               for phase in runs[0]["phases_p50_ms"]}
    return merged


def print_comparison(title, figures, columns):
    print(f"\n{title}")
    print(f"{'':28}" + "".join(f"{name:>14}" for name in columns))
    rows = [("backend start-up (s)", "start_up_s"), ("tiny job p50 (ms)", "p50_ms"), ("tiny job p95 (ms)", "p95_ms"),
            ("tiny jobs/s (2 at once)", "tiny_jobs_per_s"), ("training jobs/s", "training_jobs_per_s"),
            ("probe's core share, alone", "probe_share_alone"),
            ("... beside 2 busy jobs", "probe_share_beside_jobs")]
    for label, key in rows:
        if any(key in figures[name] for name in columns):
            print(f"{label:28}" + "".join(f"{figures[name].get(key, float('nan')):>14.2f}" for name in columns))


def print_phases(phases):
    print("\nfork server, one tiny job, p50 per phase (ms):")
    for phase, milliseconds in phases.items():
        print(f"  {phase:14}{milliseconds:>8.2f}")
    print(f"  {'sum':14}{sum(phases.values()):>8.2f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", metavar="REVISION", help="also measure the fork server of this git revision")
    parser.add_argument("--turns", type=int, default=2, help="measurements of each fork server, in turns")
    parser.add_argument("--measure", choices=sorted(ROUNDS), help=argparse.SUPPRESS)
    parser.add_argument("--sandbox", default=REPO, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.measure:  # a subprocess of the run below
        sys.path[:0] = [arguments.sandbox, REPO]
        print(json.dumps(measure(arguments.measure)))
        return
    print(f"sandbox benchmark on {os.cpu_count()} cores, {CONCURRENCY} slots, "
          f"load average at start {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as before_directory:
        variants = {"forkserver": REPO}
        if arguments.before:
            variants = {f"before {arguments.before[:7]}": export_sandbox(arguments.before, before_directory), **variants}
        runs = {name: [] for name in variants}
        for _ in range(arguments.turns):
            for name, sandbox_parent in variants.items():
                runs[name].append(measure_in_subprocess("forkserver", sandbox_parent))
        figures = {name: median_of(variant_runs) for name, variant_runs in runs.items()}
    figures["bwrap"] = measure_in_subprocess("bwrap", REPO)
    fork, baseline = figures["forkserver"], figures["bwrap"]
    print_comparison(f"medians of {arguments.turns} runs in turns (bwrap: one run)", figures, list(figures))
    print(f"the fork server is {baseline['p50_ms'] / fork['p50_ms']:.1f}x faster per tiny job than bwrap, "
          f"{fork['tiny_jobs_per_s'] / baseline['tiny_jobs_per_s']:.1f}x in tiny jobs/s")
    print_phases(fork["phases_p50_ms"])
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
