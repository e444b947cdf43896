"""What a new user notices first: a readable Sign up button, underscores in the editor, and an
admin that carries the site's name."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from courses.models import Course
from tests.base import PASSWORD, make_chapter
from tests.grader.factories import make_exercise

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def exercise(transactional_db):
    course = Course.objects.create(slug="torch-101", title="Torch 101")
    exercise = make_exercise(make_chapter(course, "tensors", 1))
    User.objects.create_user("alice", "alice@example.org", PASSWORD)
    course.instructors.add(User.objects.create_user("ian", "ian@example.org", PASSWORD, is_staff=True))
    return exercise


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/"], ids=["home", "login", "signup"])
def test_the_sign_up_button_in_the_header_is_readable(page, live_server, transactional_db, axe, screenshot, path):
    page.goto(live_server.url + path)
    button = page.locator("header").get_by_role("link", name="Sign up")
    expect(button).to_be_visible()
    results = axe(page, "header .button", ["color-contrast"])
    # axe calls white on white (1:1) "incomplete", as text that may be hidden on purpose.
    verdicts = {kind: [node["any"][0]["message"] for rule in results[kind] for node in rule["nodes"]]
                for kind in ("passes", "incomplete", "violations")}
    assert len(verdicts["passes"]) == 1 and not verdicts["incomplete"] and not verdicts["violations"], verdicts
    screenshot("header", full_page=False)


def test_the_editor_draws_underscores(page, live_server, exercise, log_in, screenshot):
    log_in(page, "alice")
    page.goto(live_server.url + exercise.get_absolute_url())
    editor, first_line = page.locator("#editor"), page.locator("#editor .ace_line").first

    def first_line_pixels(code: str) -> bytes:
        page.evaluate("(code) => window.torchgradeEditor.setValue(code + '\\n', 1)", code)
        expect(first_line).to_have_text(code)
        line, visible = first_line.bounding_box(), editor.bounding_box()
        return page.screenshot(clip={**line, "x": visible["x"], "width": visible["width"]})

    # What the first line's own box shows, with the rest of the page the same.
    with_spaces = first_line_pixels("pick device = a b")
    assert first_line_pixels("pick_device = a_b") != with_spaces, (
        "the underscores are not drawn: 'pick_device = a_b' reads 'pick device = a b'")
    screenshot("editor", full_page=False)


def test_the_admin_carries_the_site_name(page, live_server, exercise, log_in, screenshot):
    page.goto(f"{live_server.url}/admin/login/")
    expect(page).to_have_title("Log in | torchgrade")
    expect(page.locator("#site-name")).to_have_text("torchgrade administration")
    log_in(page, "ian")
    page.goto(f"{live_server.url}/admin/")
    expect(page).to_have_title("Courses, exercises and accounts | torchgrade")
    expect(page.get_by_role("heading", name="Courses, exercises and accounts")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Django")
    screenshot("index")
