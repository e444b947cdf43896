"""The live preview in a real browser: what an author types shows up rendered beside the form."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from courses.models import Course
from tests.base import PASSWORD, make_chapter

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_chapter_preview_follows_the_typing(page, live_server, transactional_db, screenshot):
    course = Course.objects.create(slug="torch-101", title="Torch 101")
    chapter = make_chapter(course, "tensors", 1)
    course.instructors.add(User.objects.create_user("ian", "ian@example.org", PASSWORD, is_staff=True))

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "ian")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/courses/chapter/{chapter.pk}/change/")
    preview = page.frame_locator("#markdown-preview")
    expect(preview.locator("h2", has_text="Learning objectives")).to_be_visible()

    page.fill("#id_body", "## Typed *just now*\n\n<script>document.title = 'owned'</script>")
    expect(preview.locator("h2", has_text="Typed just now")).to_be_visible()
    expect(preview.locator("script")).to_have_count(0)
    screenshot("typed", full_page=False)
