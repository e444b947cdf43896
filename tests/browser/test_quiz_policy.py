"""A quiz under a tight policy: 2 attempts, answers revealed after the last, the last score counts."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from courses.models import Course
from tests.base import PASSWORD, make_chapter

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def quiz_url(transactional_db, live_server):
    course = Course.objects.create(slug="torch-101", title="Torch 101")
    chapter = make_chapter(course, "tensors", 1)
    chapter.quiz_max_attempts, chapter.quiz_reveal, chapter.quiz_scoring = 2, "after_last", "last"
    chapter.save()
    User.objects.create_user("alice", "alice@example.org", PASSWORD)
    course.instructors.add(User.objects.create_user("ian", "ian@example.org", PASSWORD, is_staff=True))
    return f"{live_server.url}/courses/torch-101/tensors/quiz/"


def answer(page, quiz_url, single, multiple):
    page.goto(quiz_url)
    page.locator(f"#q-single input[value='{single}']").check()
    for key in multiple:
        page.locator(f"#q-multiple input[value='{key}']").check()
    page.get_by_role("button", name="Submit answers").click()


def test_a_tight_policy_hides_answers_until_the_last_attempt_and_counts_it(page, live_server, quiz_url, log_in,
                                                                            assert_accessible, screenshot):
    log_in(page, "alice")
    page.goto(quiz_url)
    expect(page.locator(".facts")).to_contain_text("2 attempts (2 left)")
    answer(page, quiz_url, "b", ["a", "c"])
    expect(page.get_by_role("heading", name="Score: 2 / 2")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("shown after the last attempt (1 attempt left)")
    # Not hidden by the page: never sent.
    assert "Because" not in page.content() and "Correct option" not in page.content()
    assert_accessible(page)
    screenshot("first")

    answer(page, quiz_url, "a", ["a", "c"])
    expect(page.get_by_role("heading", name="Score: 1 / 2")).to_be_visible()
    expect(page.locator(".explanation")).to_have_count(6)
    expect(page.get_by_text("Because B.")).to_have_count(2)
    expect(page.get_by_text("✗ Not quite")).to_be_visible()
    expect(page.get_by_role("link", name="Try again")).to_have_count(0)
    assert_accessible(page)
    screenshot("last")

    page.goto(quiz_url)
    expect(page.get_by_role("status")).to_have_text("You have used all 2 attempts at this quiz.")
    expect(page.get_by_role("button", name="Submit answers")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("button", name="Log out").click()
    log_in(page, "ian")
    page.goto(f"{live_server.url}/staff/courses/torch-101/gradebook/")
    expect(page.get_by_role("columnheader", name="Quiz 1")).to_contain_text("last attempt")
    expect(page.get_by_role("row", name="alice").get_by_role("cell").first).to_have_text("1")
    assert_accessible(page)
    screenshot("gradebook")
