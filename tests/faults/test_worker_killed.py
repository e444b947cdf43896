"""Workers die: a whole worker mid-burst, or one of its pool processes.

A whole worker SIGKILLed (its process group, pool processes and fork servers with it) and started
again 5 s later under the same hostname, as bin/serve or a container restart would: the new start
has a worker_id of its own, so the dead one's heartbeat goes stale and the sweep (beat, inside the
worker as bin/serve runs it, with the default intervals) re-sends the submissions it was running.
That used to take 216 s (the replacement's heartbeat made the dead worker look alive until the
time limit ran out); the bound below is about that mechanism, not about speed.

A single pool process SIGKILLed: Celery starts another, which says it is up at once and starts
its fork server afterwards, so it is not killed for a slow start-up and the pool returns to full
size.
"""

import os
import signal
import time

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone

from courses.models import Course
from grader.models import Grade, Submission
from tests.base import make_chapter
from tests.grader.factories import OUTER_SOLUTION, make_exercise
from tests.workers import fork_servers, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

BURST = 150
# Slow enough that a kill finds submissions running.
SLOW_SOLUTION = OUTER_SOLUTION + "\nimport time\ntime.sleep(0.3)\n"
# What the old rule needed: the task's hard time limit plus 30 s after the grading started.
OLD_RECOVERY_S = settings.CELERY_TASK_TIME_LIMIT + 30
# The intervals of a real deployment, not the fast ones tests/workers.py gives a test worker.
PRODUCTION_INTERVALS = {
    "GRADER_HEARTBEAT_EVERY_S": str(settings.GRADER_HEARTBEAT_EVERY_S),
    "GRADER_WORKER_STALE_S": str(settings.GRADER_WORKER_STALE_S),
    "GRADER_SWEEP_EVERY_S": str(settings.CELERY_BEAT_SCHEDULE["requeue-stuck-submissions"]["schedule"]),
}


def exercise_and_students(count):
    exercise = make_exercise(make_chapter(Course.objects.create(slug="torch-101", title="Torch 101"), "tensors", 1))
    return exercise, [User.objects.create_user(f"student{i}") for i in range(count)]


def send_submissions(exercise, students, code):
    """What Submission.create_for does for each student: a queued row, then its task."""
    submissions = [Submission.objects.create(user=student, exercise=exercise, version=exercise.current_version,
                                             code=code, enqueued_at=timezone.now()) for student in students]
    for submission in submissions:
        submission.enqueue()  # at once: these tests run without a transaction around them
    return [s.pk for s in submissions]


def count(ids, **filters):
    return Submission.objects.filter(pk__in=ids, **filters).count()


def test_a_worker_killed_mid_burst_has_its_submissions_re_sent_once_its_heartbeat_is_stale(workers):
    exercise, students = exercise_and_students(BURST)
    first = workers("drill", concurrency=2, beat=True, env=PRODUCTION_INTERVALS)
    ids = send_submissions(exercise, students, SLOW_SOLUTION)
    wait_for(lambda: count(ids, status="graded") >= 20 and count(ids, status="running") >= 1, 120, "the burst")

    first.kill()
    killed_at, killed_clock = timezone.now(), time.monotonic()
    orphans = list(Submission.objects.filter(pk__in=ids, status="running", worker=first.worker_id)
                   .values_list("pk", flat=True))
    assert orphans, "the kill found no submission running"
    time.sleep(5)
    second = workers("drill", concurrency=2, beat=True, env=PRODUCTION_INTERVALS)
    assert second.worker_id != first.worker_id

    wait_for(lambda: count(orphans, status="graded") == len(orphans), OLD_RECOVERY_S - 60,
             "the orphaned submissions to be graded")
    print(f"\n{len(orphans)} orphaned submissions graded {time.monotonic() - killed_clock:.1f} s after the kill "
          f"(heartbeat stale after {settings.GRADER_WORKER_STALE_S:g} s; the old rule needed {OLD_RECOVERY_S} s)")
    for submission in Submission.objects.filter(pk__in=orphans):
        assert (submission.deliveries, submission.worker) == (2, second.worker_id)
        assert submission.enqueued_at > killed_at  # re-sent by the sweep, not restored by the broker
        assert submission.counts_as_attempt

    # The rest of the burst (a task the dead worker had taken but not started is re-sent once it
    # has been queued GRADER_STUCK_AFTER_S and its queue is empty): each graded exactly once.
    wait_for(lambda: count(ids, status="graded") == BURST, 300, "the whole burst")
    assert Grade.objects.filter(submission__in=ids).count() == BURST
    assert {g.score for g in Grade.objects.filter(submission__in=ids)} == {6}


def test_a_killed_pool_process_is_replaced_and_the_pool_grades_at_full_size(workers):
    exercise, students = exercise_and_students(6)
    worker = workers("pool", concurrency=2)
    pool = worker.pool_processes()
    assert len(pool) == 2
    victim = min(pool)
    os.kill(victim, signal.SIGKILL)

    def full_and_warm():
        now = worker.pool_processes()
        return len(now) == 2 and victim not in now and all(fork_servers(pid) for pid in now)

    wait_for(full_and_warm, 120, "the pool back at full size with its sandboxes started")
    pool = worker.pool_processes()
    ids = send_submissions(exercise, students, SLOW_SOLUTION)
    wait_for(lambda: count(ids, status="graded") == len(ids), 120, "the gradings")
    assert worker.pool_processes() == pool  # nobody was killed for a slow start-up
    assert Grade.objects.filter(submission__in=ids).count() == len(ids)
    with open(worker.log.name) as log:
        assert "Timed out waiting for UP message" not in log.read()
