"""A student without a session follows the invitation link, logs in and joins the run; an
instructor imports a roster with a bad line, sees the error and nothing imported, fixes the file
and sees the students on the roster."""

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from courses.models import Course
from runs.models import CourseRun
from tests.base import PASSWORD

pytestmark = [pytest.mark.browser]


@pytest.fixture
def run(transactional_db):
    course = Course.objects.create(slug="torch-101", title="Torch 101")
    course.instructors.add(User.objects.create_user("ian", "ian@example.org", PASSWORD))
    for username in ("alice", "bob", "carol"):
        User.objects.create_user(username, f"{username}@example.org", PASSWORD)
    return CourseRun.objects.create(course=course, slug="spring", title="Spring 2027", join_code="SPRNG27X")


def upload(page, text):
    page.get_by_label("CSV file").set_input_files(files=[
        {"name": "roster.csv", "mimeType": "text/csv", "buffer": text.encode()}])
    page.get_by_role("button", name="Import").click()


def test_a_student_joins_by_link_and_an_instructor_imports_a_roster(page, browser, live_server, run, log_in,
                                                                    assert_accessible, screenshot):
    student = browser.new_context().new_page()
    student.goto(f"{live_server.url}/join/SPRNG27X/")
    student.get_by_label("Username").fill("alice")
    student.get_by_label("Password").fill(PASSWORD)
    student.get_by_role("button", name="Log in").click()
    expect(student.get_by_role("heading", name="Join Spring 2027 of Torch 101")).to_be_visible()
    student.get_by_role("button", name="Join Spring 2027").click()
    expect(student).to_have_url(f"{live_server.url}/courses/torch-101/")
    expect(student.get_by_role("status")).to_contain_text("You joined Spring 2027 of Torch 101.")
    expect(student.locator("#my-run")).to_contain_text("Spring 2027")
    student.context.close()

    log_in(page, "ian")
    page.goto(f"{live_server.url}/staff/runs/{run.pk}/")
    roster = page.locator("#roster")
    expect(roster.get_by_role("row", name=re.compile("alice"))).to_contain_text("student")
    upload(page, "username,name\nbob,Bob Stone\nbobby,Carol Lee\n")
    expect(page.locator("#import-errors")).to_contain_text("line 3: no account has the username or e-mail 'bobby'")
    expect(page.locator("#import-errors")).to_contain_text("Nothing was imported")
    expect(roster.get_by_role("row", name=re.compile("bob"))).to_have_count(0)
    assert_accessible(page)
    screenshot("import-error")

    upload(page, "username,name\nbob,Bob Stone\ncarol,Carol Lee,ta\n")
    expect(page.get_by_role("status")).to_contain_text("Roster imported: 2 added, 0 already on the roster.")
    expect(roster.get_by_role("row", name=re.compile("bob"))).to_contain_text("Bob Stone")
    expect(roster.get_by_role("row", name=re.compile("carol"))).to_contain_text("teaching assistant")
    screenshot("imported")
