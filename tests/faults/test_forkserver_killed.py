"""The sandbox's fork server is SIGKILLed while it runs a student's job.

That is our fault, not the student's: the job comes back as sandbox_error, the task is retried,
the worker starts a new fork server, and the submission ends graded once, on one attempt.
"""

import os
import signal
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from courses.models import Course
from grader.models import Grade, Submission
from tests.base import make_chapter
from tests.grader.factories import OUTER_SOLUTION, make_exercise
from tests.workers import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SLOW_SOLUTION = OUTER_SOLUTION + "\nimport time\ntime.sleep(5)\n"


def processes():
    """pid -> (parent pid, command name, command line) for every process on the host."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            table[int(entry.name)] = (int(stat[stat.rindex(")") + 2:].split()[1]), name, cmdline)
    return table


def descendants(table, root):
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, (parent, _, _) in table.items() if parent in frontier} - found
        found |= frontier
    return found


def fork_servers(worker_pid):
    """The fork server processes under a worker: the interpreter that bubblewrap started (its
    jobs are forks of it, with the same command line, but their parent is the server)."""
    table = processes()
    return {pid: descendants(table, pid) for pid in descendants(table, worker_pid)
            if table[pid][1] != "bwrap" and "sandbox.forkserver" in table[pid][2] and table[table[pid][0]][1] == "bwrap"}


def test_a_fork_server_killed_mid_job_is_restarted_and_the_job_retried(workers, transactional_db, client):
    worker = workers("w1")
    exercise = make_exercise(make_chapter(Course.objects.create(slug="torch-101", title="Torch 101"), "tensors", 1),
                             max_attempts=3)
    student = User.objects.create_user("alice")
    client.force_login(student)
    assert client.post(exercise.get_absolute_url(), {"code": SLOW_SOLUTION}).status_code == 302
    submission = Submission.objects.get()

    wait_for(lambda: any(jobs for jobs in fork_servers(worker.process.pid).values()), 60, "a job in the fork server")
    busy = [pid for pid, jobs in fork_servers(worker.process.pid).items() if jobs]
    for server in busy:  # the one running this job (a scan of /proc may also catch one starting)
        os.kill(server, signal.SIGKILL)

    wait_for(lambda: Submission.objects.get(pk=submission.pk).status == "graded", 90, "the retried grading")
    submission.refresh_from_db()
    assert submission.deliveries == 2  # the first delivery ended in sandbox_error and was retried
    assert Grade.objects.filter(submission=submission).count() == 1
    assert (submission.grade.score, submission.grade.sandbox_status) == (6, "ok")
    assert submission.counts_as_attempt and exercise.attempts_left(student) == 2
    assert set(fork_servers(worker.process.pid)) - set(busy), "a new fork server serves the worker"
