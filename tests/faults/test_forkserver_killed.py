"""The sandbox's fork server is SIGKILLed while it runs a student's job.

That is our fault, not the student's: the job comes back as sandbox_error, the task is retried,
the worker starts a new fork server, and the submission ends graded once, on one attempt.
"""

import os
import signal

import pytest
from django.contrib.auth.models import User

from courses.models import Course
from grader.models import Grade, Submission
from tests.base import make_chapter
from tests.grader.factories import OUTER_SOLUTION, make_exercise
from tests.workers import fork_servers, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SLOW_SOLUTION = OUTER_SOLUTION + "\nimport time\ntime.sleep(5)\n"


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
