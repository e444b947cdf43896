"""Students first: background work never holds the capacity a grading needs.

Validation, reference answers computed ahead and regrades go to background queues, served by a
worker of their own (bin/serve starts it beside the gradings' worker: one process, one sandbox
slot of low CPU weight). Here, with workers set up as bin/serve sets them up, a submission is
graded while a long validation and a pool fill of another exercise are still running.
"""

import pytest
from django.contrib.auth.models import User

from courses.models import Course
from grader import jobs
from grader.models import ExerciseValidation, ReferenceAnswers, Submission
from tests.base import make_chapter
from tests.grader.factories import OUTER_SOLUTION, OUTER_SPEC, make_exercise
from tests.workers import fork_servers, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# A reference that takes 20 s on every run: its validation and its pool fill hold the background
# worker's one slot for minutes.
SLOW_REFERENCE = OUTER_SOLUTION + "\nimport time\ntime.sleep(20)\n"
SLOW_SPEC = OUTER_SPEC.replace("limits: {wall_s: 10,", "limits: {wall_s: 60, cpu_s: 60,")


def test_a_grading_starts_while_a_long_validation_and_a_pool_fill_are_running(workers, client):
    grading = workers("grading")  # noqa: F841 - it grades; the test watches the other one
    background = workers("background", kinds=("cpu-background",),
                         env={"SANDBOX_SLOTS": "1", "SANDBOX_CPU_WEIGHT": "background"})
    chapter = make_chapter(Course.objects.create(slug="torch-101", title="Torch 101"), "tensors", 1)
    slow = make_exercise(chapter, slug="slow", spec_yaml=SLOW_SPEC, solution=SLOW_REFERENCE)
    quick = make_exercise(chapter, slug="quick")
    validation = ExerciseValidation.request(slow)
    jobs.fill_reference_pool(slow.current_version_id, slow.queue)
    wait_for(lambda: any(fork_servers(background.process.pid).values()), 60, "the background worker's first job")

    client.force_login(User.objects.create_user("alice"))
    assert client.post(quick.get_absolute_url(), {"code": OUTER_SOLUTION}).status_code == 302
    submission = Submission.objects.get()
    wait_for(lambda: Submission.objects.get(pk=submission.pk).status == "graded", 60, "the grading")

    validation.refresh_from_db()
    assert validation.status == "pending"  # still running: the grading did not wait for it
    assert not ReferenceAnswers.objects.filter(version=slow.current_version).exists()
    assert Submission.objects.get(pk=submission.pk).grade.score == 6
