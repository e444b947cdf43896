"""`python -m sandbox check`: print OK, or each reason this host cannot run sandboxed jobs."""
import argparse
import sys

from . import Job, Limits, Status, create_backend, host
from .api import IsolationUnavailable

SMOKE_JOB = Job(main="import torch\nx = torch.tensor([2.0, 3.0], requires_grad=True)\n"
                     "(x ** 2).sum().backward()\nRESULT = x.grad.tolist()",
                limits=Limits(wall_s=60, cpu_s=60))


def check(kind, uid):
    problems = host.problems(uid)
    if problems:
        return problems
    try:
        with create_backend(kind, slots=1, uid=uid) as backend:
            result = backend.run(SMOKE_JOB)
    except IsolationUnavailable as exc:
        return [str(exc)]
    if result.status is not Status.OK or result.value != [4.0, 6.0]:
        return [f"a smoke job on the {kind} backend failed: {result.status.value}: {result.error}"]
    return []


def main():
    parser = argparse.ArgumentParser(prog="python -m sandbox")
    parser.add_argument("command", choices=["check"])
    parser.add_argument("--backend", default="forkserver", choices=["forkserver", "bwrap"])
    parser.add_argument("--uid", type=int, default=65534)
    arguments = parser.parse_args()
    problems = check(arguments.backend, arguments.uid)
    for problem in problems:
        print(f"PROBLEM: {problem}")
    if not problems:
        print("OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
