"""Sandbox benchmark: fork server vs one bubblewrap interpreter per job.

Prints, for each backend, the p50/p95 latency of a tiny autograd job run alone, and jobs/s with
2 jobs at once for the tiny job and for a 100-step training job. Figures are printed, never asserted.
Run as root: /opt/torchgrade/venv/bin/python bench/sandbox_bench.py
"""
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sandbox import Job, Limits, Status, create_backend  # noqa: E402
from torchgrade.stats import percentile  # noqa: E402

LIMITS = Limits(wall_s=60, cpu_s=60)
TINY = Job(main="import torch\nx = torch.tensor([2.0, 3.0], requires_grad=True)\n"
                "(x ** 2).sum().backward()\nRESULT = x.grad", limits=LIMITS)
TRAINING = Job(main="""
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
""", limits=LIMITS)
# (sequential latency samples, concurrent tiny jobs, concurrent training jobs) per backend
ROUNDS = {"forkserver": (60, 80, 40), "bwrap": (8, 8, 6)}
CONCURRENCY = 2


def run_checked(backend, job):
    result = backend.run(job)
    if result.status is not Status.OK:
        raise SystemExit(f"benchmark job failed: {result.status.value}: {result.error}")


def latencies(backend, job, count):
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        run_checked(backend, job)
        samples.append(time.perf_counter() - started)
    return samples


def throughput(backend, job, count):
    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(lambda _: run_checked(backend, job), range(count)))
    return count / (time.perf_counter() - started)


def measure(kind):
    sequential, concurrent_tiny, concurrent_training = ROUNDS[kind]
    started = time.perf_counter()
    with create_backend(kind, slots=CONCURRENCY) as backend:
        start_up = time.perf_counter() - started
        run_checked(backend, TINY)  # warm the supervisor's own imports
        samples = latencies(backend, TINY, sequential)
        return {
            "start_up_s": start_up,
            "p50_ms": statistics.median(samples) * 1000,
            "p95_ms": percentile(samples, 95) * 1000,
            "tiny_jobs_per_s": throughput(backend, TINY, concurrent_tiny),
            "training_jobs_per_s": throughput(backend, TRAINING, concurrent_training),
        }


def main():
    figures = {kind: measure(kind) for kind in ROUNDS}
    print(f"sandbox benchmark on {os.cpu_count()} cores, {CONCURRENCY} slots")
    print(f"{'':24}{'forkserver':>12}{'bwrap':>12}{'ratio':>10}")
    start_up = figures["forkserver"]["start_up_s"], figures["bwrap"]["start_up_s"]
    print(f"{'backend start-up (s)':24}{start_up[0]:>12.2f}{start_up[1]:>12.2f}{'-':>10}")
    rows = [("tiny job p50 (ms)", "p50_ms", False),
            ("tiny job p95 (ms)", "p95_ms", False), ("tiny jobs/s (2 at once)", "tiny_jobs_per_s", True),
            ("training jobs/s", "training_jobs_per_s", True)]
    for label, key, higher_is_better in rows:
        fork, baseline = figures["forkserver"][key], figures["bwrap"][key]
        ratio = fork / baseline if higher_is_better else baseline / fork
        print(f"{label:24}{fork:>12.2f}{baseline:>12.2f}{ratio:>9.1f}x")
    print("ratio: how many times better the fork server is")


if __name__ == "__main__":
    main()
