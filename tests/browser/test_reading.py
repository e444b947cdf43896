"""An anonymous reader reads a chapter, is asked to log in to take its quiz, and lands on it."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from courses.models import Comment, Course
from tests.base import PASSWORD, make_chapter

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def chapter(transactional_db):
    course = Course.objects.create(slug="torch-101", title="Torch 101")
    chapter = make_chapter(course, "tensors", 1)
    bob = User.objects.create_user("bob", "bob@example.org", PASSWORD)
    Comment.objects.create(chapter=chapter, author=bob, body="Where does `view` fail?")
    User.objects.create_user("alice", "alice@example.org", PASSWORD)
    return chapter


def test_a_visitor_reads_a_chapter_and_logs_in_to_take_its_quiz(page, live_server, chapter, assert_accessible,
                                                                 screenshot):
    page.goto(live_server.url + "/courses/torch-101/")
    assert_accessible(page)
    page.get_by_role("link", name="Chapter tensors").click()
    expect(page.get_by_role("heading", name="Chapter tensors", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Learning objectives")).to_be_visible()
    expect(page.locator("#discussion")).to_contain_text("Where does view fail?")
    expect(page.locator("#discussion textarea")).to_have_count(0)
    expect(page.get_by_role("link", name="Log in to comment")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("min read")
    assert_accessible(page)
    screenshot("chapter")

    page.get_by_role("link", name="Log in to take the quiz").click()
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(live_server.url + "/courses/torch-101/tensors/quiz/")
    expect(page.get_by_role("heading", name="Quiz: Chapter tensors")).to_be_visible()
    assert_accessible(page)
