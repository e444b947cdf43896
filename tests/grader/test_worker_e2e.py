"""End to end: web view -> PostgreSQL -> Redis -> a real Celery worker process -> sandbox -> grade.

These need a database that a second process can reach, so they run in the PostgreSQL pass of
bin/test (not against SQLite's in-memory test database). The broker is a separate Redis
database so a developer's own worker never steals these tasks.
"""

import os
import signal

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from courses.models import Course
from grader.models import Grade, Submission
from grader.tasks import requeue_stuck_submissions
from tests.base import make_chapter
from tests.grader.factories import OUTER_SOLUTION, make_exercise
from tests.workers import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.usefixtures("broker")]

SLOW_SOLUTION = OUTER_SOLUTION + "\nimport time\ntime.sleep(4)\n"


@pytest.fixture
def exercise(transactional_db):
    course = Course.objects.create(slug="torch-101", title="Torch 101")
    return make_exercise(make_chapter(course, "tensors", 1))


@pytest.fixture
def student_client(client, transactional_db):
    client.force_login(User.objects.create_user("alice"))
    return client


def submission_status(pk):
    return Submission.objects.get(pk=pk).status


def test_a_submission_from_the_web_view_is_graded_by_a_real_worker(workers, exercise, student_client):
    worker = workers("w1")
    response = student_client.post(exercise.get_absolute_url(), {"code": OUTER_SOLUTION})
    submission = Submission.objects.get()
    assert response.status_code == 302
    wait_for(lambda: submission_status(submission.pk) == "graded", 60, "the grade")
    grade = Grade.objects.get(submission=submission)
    assert (grade.score, grade.max_score) == (6, 6)
    assert Submission.objects.get(pk=submission.pk).worker == worker.worker_id
    page = student_client.get(f"/submissions/{submission.pk}/status/").content.decode()
    assert "6 / 6" in page and "hx-trigger" not in page


def test_a_worker_killed_mid_grade_leads_to_exactly_one_grade(workers, exercise, student_client):
    first = workers("w1")
    student_client.post(exercise.get_absolute_url(), {"code": SLOW_SOLUTION})
    submission = Submission.objects.get()
    wait_for(lambda: submission_status(submission.pk) == "running", 60, "the grading to start")
    first.kill()

    # Its replacement has the same hostname, as bin/serve or a container restart would start it.
    second = workers("w1")
    assert second.worker_id != first.worker_id
    # The sweep (Celery beat runs it every few seconds in production) re-sends the submission
    # once the killed worker's heartbeat is stale.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "GRADER_WORKER_STALE_S", 2)
        wait_for(lambda: requeue_stuck_submissions() == 1, 30, "the sweep to notice the dead worker")
    wait_for(lambda: submission_status(submission.pk) == "graded", 60, "the regrade after the crash")
    submission.refresh_from_db()
    assert Grade.objects.filter(submission=submission).count() == 1
    assert submission.deliveries == 2
    assert submission.worker == second.worker_id  # claimed by a pool process with its main process's id
    assert submission.grade.score == 6


def test_a_killed_pool_process_hands_its_task_back_at_once(workers, exercise, student_client):
    worker = workers("w1")
    student_client.post(exercise.get_absolute_url(), {"code": SLOW_SOLUTION})
    submission = Submission.objects.get()
    wait_for(lambda: submission_status(submission.pk) == "running", 60, "the grading to start")
    children = worker.pool_processes()
    assert children, "the prefork pool process"
    for pid in children:
        os.kill(pid, signal.SIGKILL)
    wait_for(lambda: submission_status(submission.pk) == "graded", 90, "the redelivered task")
    submission.refresh_from_db()
    assert Grade.objects.filter(submission=submission).count() == 1
    assert submission.deliveries == 2
