"""The fork server: a warm interpreter that forks one confined process tree per job.

It runs under bubblewrap as an unprivileged uid with a cleared environment and a read-only view
of the interpreter, the venv and this runtime; it holds no secrets. For each job the supervisor
sends a small JSON description plus the job's pipes (SCM_RIGHTS) over a SOCK_SEQPACKET socket.
The server forks C1, which enters fresh user/pid/mount/net/ipc/uts namespaces, forks the job
process (pid 1 of the new pid namespace) and reports how it ended (jail.run_reporter). CUDA is never initialised here: it does not
survive fork, so a GPU job initialises it in its own process.
"""
import gc
import json
import os
import signal
import socket
import time
import traceback

from . import jail, linux

JOB_NAMESPACES = (linux.CLONE_NEWUSER | linux.CLONE_NEWPID | linux.CLONE_NEWNS | linux.CLONE_NEWNET
                  | linux.CLONE_NEWIPC | linux.CLONE_NEWUTS)

MAX_MESSAGE = 1 << 16


def warm_up():
    """Import and exercise what jobs use, so that each forked job starts with it all loaded."""
    import math  # noqa: F401
    import numpy  # noqa: F401
    import torch
    import torch.nn.functional as functional

    torch.set_num_threads(1)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    for optimizer_class in (torch.optim.SGD, torch.optim.Adam):
        optimizer = optimizer_class(model.parameters(), lr=0.01)
        loss = functional.mse_loss(model(torch.zeros(2, 4)), torch.zeros(2, 1))
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    gc.collect()
    gc.freeze()  # keeps the warm heap out of the collector, so children share its pages
    linux.collapse_anonymous_memory_into_huge_pages()


def serve(socket_fd):
    warm_up()
    channel = socket.socket(fileno=socket_fd)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # C1 processes are reaped by the kernel
    channel.sendall(jail.FORK_SERVER_READY)
    while True:
        message, fds, _flags, _address = socket.recv_fds(channel, MAX_MESSAGE, len(jail.JobFds.ORDER))
        if not message:
            return  # the supervisor closed its end
        if len(fds) != len(jail.JobFds.ORDER):
            for fd in fds:
                os.close(fd)
            continue
        received = time.monotonic()
        if os.fork() == 0:
            channel.close()
            _start_job(json.loads(message), jail.JobFds(fds), {"received": received, "forked": time.monotonic()})
        for fd in fds:
            os.close(fd)


def _start_job(control, fds, clock):
    """C1: enter the job's namespaces, then fork the job process (pid 1 of its new pid namespace)
    and report how it ended; never returns."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        uid, gid = os.getuid(), os.getgid()
        linux.unshare(JOB_NAMESPACES)
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
        clock["namespaces"] = time.monotonic()
    except BaseException:  # report to the supervisor as a sandbox fault, never run the job
        fault = traceback.format_exc()
        os.write(fds.status, json.dumps({"fault": fault}).encode() + b"\n")
        os._exit(0)
    try:
        jail.run_reporter(control, fds, clock)
    finally:  # a reporter that fails says nothing: the supervisor finds its status missing
        os._exit(1)


def _write(path, text):
    with open(path, "w") as handle:
        handle.write(text)

