"""An instructor validates an exercise, opens the gradebook and overrides a score; the student
then sees the new score and the reason. Real browser, live server, real Celery worker."""

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from courses.models import Course
from grader.models import ExerciseValidation, Submission
from tests.base import PASSWORD, make_chapter
from tests.grader.factories import make_exercise
from tests.workers import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow]

PARTLY_RIGHT = "import torch\n\ndef outer(a, b):\n    return torch.outer(a, b)\n"


def log_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.fixture
def setting(transactional_db):
    course = Course.objects.create(slug="torch-101", title="Torch 101")
    exercise = make_exercise(make_chapter(course, "tensors", 1), published=False)
    ian = User.objects.create_user("ian", "ian@example.org", PASSWORD, is_staff=True)
    course.instructors.add(ian)
    alice = User.objects.create_user("alice", "alice@example.org", PASSWORD, first_name="Alice")
    return exercise, alice


def test_an_instructor_validates_grades_and_overrides(page, browser, live_server, setting, workers, screenshot):
    exercise, alice = setting
    workers("staff", kinds=("cpu", "cpu-background"))  # gradings, and the validation (background work)
    base = live_server.url
    log_in(page, base, "ian")

    page.goto(f"{base}/admin/grader/exercise/{exercise.pk}/change/")
    page.get_by_role("button", name="Validate").click()
    wait_for(lambda: ExerciseValidation.objects.filter(status="passed").exists(), 60, "the validation")
    page.reload()
    expect(page.get_by_role("rowheader", name="Reference solution")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Status"))).to_contain_text("passed")
    screenshot("validated")
    exercise.refresh_from_db()
    assert exercise.can_publish()
    exercise.published = True
    exercise.save()

    student = browser.new_context().new_page()
    log_in(student, base, "alice")
    student.goto(f"{base}{exercise.get_absolute_url()}")
    student.locator("#editor .ace_content").click()
    student.keyboard.press("Control+A")
    student.keyboard.insert_text(PARTLY_RIGHT)
    student.get_by_role("button", name="Submit for grading").click()
    expect(student.locator("#status")).to_contain_text("5 / 6", timeout=30_000)

    page.goto(f"{base}/staff/courses/torch-101/gradebook/")
    row = page.get_by_role("row", name=re.compile("alice"))
    expect(row).to_contain_text("5")
    screenshot("gradebook")
    row.get_by_role("link", name="5").click()
    page.get_by_role("link", name=str(Submission.objects.get().pk), exact=True).click()
    page.get_by_label("Score (0 to 6)").fill("6")
    page.get_by_label("Reason (the student sees it)").fill("torch.outer was allowed in the first week")
    page.get_by_role("button", name="Set score").click()
    expect(page.get_by_text("Score set to 6.")).to_be_visible()
    screenshot("overridden")

    student.goto(f"{base}/submissions/{Submission.objects.get().pk}/")
    expect(student.locator("#status")).to_contain_text("6 / 6")
    expect(student.locator("#status")).to_contain_text("Reason: torch.outer was allowed in the first week")
    student.context.close()
