"""A submission handed in after the deadline under a penalty policy: the instructor sets the
run's late policy in the browser, and the penalty shows in the gradebook, in the CSV export and
on the student's own result. No worker: the grade is stored as the grader would store it."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from courses.models import Course
from grader.models import Grade, Submission
from runs.models import Enrollment
from tests.base import PASSWORD, make_chapter
from tests.grader.factories import make_exercise

pytestmark = [pytest.mark.browser]


@pytest.fixture
def late_submission(transactional_db):
    course = Course.objects.create(slug="torch-101", title="Torch 101")
    course.instructors.add(User.objects.create_user("ian", "ian@example.org", PASSWORD))
    exercise = make_exercise(make_chapter(course, "tensors", 1), deadline=timezone.now() - timedelta(hours=30))
    alice = User.objects.create_user("alice", "alice@example.org", PASSWORD)
    Enrollment.objects.create(run=course.runs.get(slug="open"), user=alice)
    submission = Submission.objects.create(user=alice, exercise=exercise, code="x", status="graded",
                                           version=exercise.current_version)
    Grade.objects.create(submission=submission, request=f"submit:{submission.pk}", score=6, max_score=6,
                         seed=submission.seed, torch_version="2.13.0", device="cpu", sandbox_status="ok",
                         version=exercise.current_version)
    return submission


def test_a_late_penalty_reaches_the_gradebook_csv_and_student(page, browser, live_server, log_in, late_submission):
    run = late_submission.exercise.chapter.course.runs.get()
    log_in(page, "ian")
    page.goto(f"{live_server.url}/staff/runs/{run.pk}/settings/")
    page.get_by_label("Late policy").select_option("penalty")
    page.get_by_label("Penalty (%)").fill("10")
    page.get_by_label("Per", exact=True).select_option("day")
    page.get_by_label("Cut-off (hours after the deadline)").fill("72")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("body")).to_contain_text("loses 10% of the points per day")

    page.goto(f"{live_server.url}/staff/courses/torch-101/gradebook/")
    cell = page.get_by_role("row", name="alice").get_by_role("cell").nth(1)  # after the quiz
    expect(cell).to_contain_text("4.80")  # 30 hours late: two days begun, 20% off 6 points
    expect(cell).to_contain_text("late −20%")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    assert rows[1][rows[0].index("Outer product")] == "4.8"

    student_context = browser.new_context()
    student = student_context.new_page()
    log_in(student, "alice")
    student.goto(f"{live_server.url}/submissions/{late_submission.pk}/")
    expect(student.locator("#late-penalty")).to_contain_text(
        "raw score 6, late penalty 20%, final score 4.80 / 6")
    student_context.close()
