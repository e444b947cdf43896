"""An instructor grants a student an extension on an exercise whose deadline has passed in a run
that refuses late work; the student then sees her own deadline, in her own time zone, and may
submit. No worker: the submission stays queued, which is all this needs."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from courses.models import Course
from grader.models import Submission
from runs.models import Enrollment
from tests.base import PASSWORD, make_chapter
from tests.grader.factories import make_exercise
from tests.workers import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]

INSTRUCTOR_ZONE, STUDENT_ZONE = "America/New_York", "Asia/Tokyo"


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "timezone_id": INSTRUCTOR_ZONE}  # the instructor's `page`


@pytest.fixture
def exercise(transactional_db):
    course = Course.objects.create(slug="torch-101", title="Torch 101")
    course.instructors.add(User.objects.create_user("ian", "ian@example.org", PASSWORD))
    exercise = make_exercise(make_chapter(course, "tensors", 1), deadline=timezone.now() - timedelta(days=1))
    alice = User.objects.create_user("alice", "alice@example.org", PASSWORD)
    Enrollment.objects.create(run=course.runs.get(slug="open"), user=alice)  # refuses late work by default
    return exercise


def test_a_student_sees_and_uses_her_extension(page, browser, live_server, log_in, exercise, screenshot):
    run = exercise.chapter.course.runs.get()
    new_deadline = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    log_in(page, "ian")
    page.goto(f"{live_server.url}/staff/runs/{run.pk}/extensions/")
    page.get_by_label("Student").select_option(label="alice")
    page.get_by_label("Exercise or quiz").select_option(label="Outer product")
    page.get_by_label("New deadline").fill(f"{new_deadline.astimezone(ZoneInfo(INSTRUCTOR_ZONE)):%Y-%m-%dT%H:%M}")
    page.get_by_label("Reason").fill("a doctor's note")
    page.get_by_role("button", name="Grant the extension").click()
    row = page.get_by_role("row", name=re.compile("alice"))
    expect(row).to_contain_text("a doctor's note")
    expect(row).to_contain_text(f"{new_deadline.astimezone(ZoneInfo(INSTRUCTOR_ZONE)):%H:%M %Z}")
    screenshot("granted")

    student = browser.new_context(timezone_id=STUDENT_ZONE).new_page()
    log_in(student, "alice")
    student.goto(f"{live_server.url}{exercise.get_absolute_url()}")
    due = student.locator("#due")
    expect(due).to_contain_text(f"{new_deadline.astimezone(ZoneInfo(STUDENT_ZONE)):%a %d %b %Y, %H:%M JST}")
    expect(due).to_contain_text("extended for you")
    expect(due).to_contain_text("No submission is accepted after the deadline.")
    student.get_by_role("button", name="Submit for grading").click()
    wait_for(lambda: Submission.objects.filter(user__username="alice").exists(), 15, "alice's submission")
    expect(student.locator("#submit-errors")).to_be_empty()
    assert "has passed" not in student.content()
    student.context.close()
