"""axe-core finds no serious or critical problem on the pages of the bundled course, logged out and
in, and a student answers a quiz and submits an exercise with the keyboard alone."""

from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from playwright.sync_api import Page, expect

from courses.models import Course, Question
from grader.models import Exercise
from tests.base import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHAPTER = "/courses/pytorch-essentials/tensors/"
EXERCISE = f"{CHAPTER}exercises/outer-product/"


@pytest.fixture
def course(transactional_db):
    call_command("import_course", str(settings.COURSE_CONTENT_DIR / "pytorch-essentials"), stdout=StringIO())
    course = Course.objects.get(slug="pytorch-essentials")
    User.objects.create_user("alice", "alice@example.org", PASSWORD)
    course.instructors.add(User.objects.create_user("ian", "ian@example.org", PASSWORD, is_staff=True))
    return course


def visit_each(page: Page, base: str, paths: list[str], assert_accessible, screenshot) -> None:
    for path in paths:
        page.goto(base + path)
        assert_accessible(page)
        screenshot(path.strip("/").replace("/", "-") or "home")


def test_the_pages_a_visitor_sees_have_no_serious_problem(page, live_server, course, assert_accessible, screenshot):
    visit_each(page, live_server.url, ["/", "/accounts/login/", "/accounts/signup/", "/admin/login/"],
               assert_accessible, screenshot)


def test_the_pages_a_student_sees_have_no_serious_problem(page, live_server, course, log_in, assert_accessible,
                                                           screenshot):
    log_in(page, "alice")
    visit_each(page, live_server.url, [
        "/", "/courses/pytorch-essentials/", CHAPTER, f"{CHAPTER}quiz/", f"{CHAPTER}interview/", EXERCISE,
    ], assert_accessible, screenshot)
    # The editor's widgets only exist once it has focus.
    page.locator("#editor .ace_content").click()
    assert_accessible(page)


def test_the_pages_an_instructor_sees_have_no_serious_problem(page, live_server, course, log_in, assert_accessible,
                                                               screenshot):
    chapter = course.chapters.get(slug="tensors")
    exercise = Exercise.objects.get(slug="outer-product")
    log_in(page, "ian")
    visit_each(page, live_server.url, [
        "/courses/pytorch-essentials/", CHAPTER, "/staff/",
        "/staff/courses/pytorch-essentials/gradebook/", "/staff/courses/pytorch-essentials/submissions/",
        "/staff/courses/pytorch-essentials/interview-answers/", "/staff/courses/pytorch-essentials/stats/",
        "/admin/", "/admin/courses/chapter/", f"/admin/courses/chapter/{chapter.pk}/change/",
    ], assert_accessible, screenshot)
    page.goto(f"{live_server.url}/admin/grader/exercise/{exercise.pk}/change/")
    assert_accessible(page)


def test_the_exercise_admin_labels_the_deadline_date_and_time(page, live_server, course, log_in):
    exercise = Exercise.objects.get(slug="outer-product")
    log_in(page, "ian")
    page.goto(f"{live_server.url}/admin/grader/exercise/{exercise.pk}/change/")
    expect(page.get_by_label("Date:")).to_have_attribute("name", "deadline_0")
    expect(page.get_by_label("Time:")).to_have_attribute("name", "deadline_1")


def tab_to(page: Page, selector: str, most: int = 80) -> None:
    """Press Tab until the element that `selector` names has the focus, as a keyboard user would."""
    visited = []
    for _ in range(most):
        if page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
            return
        page.keyboard.press("Tab")
        visited.append(page.evaluate("document.activeElement.outerHTML.slice(0, 80)"))
    raise AssertionError(f"Tab never reached {selector}; it went through:\n" + "\n".join(visited))


def log_in_with_the_keyboard(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    tab_to(page, "#id_username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_a_student_answers_a_quiz_with_the_keyboard_alone(page, live_server, course, assert_accessible, screenshot):
    log_in_with_the_keyboard(page, live_server.url, "alice")
    page.goto(f"{live_server.url}{CHAPTER}quiz/")
    questions = Question.objects.filter(chapter__slug="tensors", retired=False).prefetch_related("options")
    for question in questions:
        right = {option.key for option in question.options.all() if option.correct}
        shown = page.locator(f"#q-{question.key} input").evaluate_all("inputs => inputs.map(i => i.value)")
        if question.multiple_answers:
            for key in shown:
                tab_to(page, f"#q-{question.key} input[value='{key}']")
                if key in right:
                    page.keyboard.press("Space")
        else:
            # Tab enters a radio group once; the arrow keys move the choice within it.
            tab_to(page, f"#q-{question.key} input[value='{shown[0]}']")
            page.keyboard.press("Space")
            for _ in range(shown.index(right.pop())):
                page.keyboard.press("ArrowDown")
    tab_to(page, "form.quiz button")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"Score: {len(questions)} / {len(questions)}")).to_be_visible()
    assert_accessible(page)
    screenshot("result")


def test_a_student_submits_an_exercise_with_the_keyboard_alone(page, live_server, course, workers,
                                                               assert_accessible, screenshot):
    workers("keyboard")
    log_in_with_the_keyboard(page, live_server.url, "alice")
    page.goto(live_server.url + EXERCISE)
    tab_to(page, "#editor textarea")
    page.keyboard.press("Control+A")
    # Typed as a person types it: the editor indents the line after a colon by itself.
    solution = (settings.COURSE_CONTENT_DIR / "pytorch-essentials/03-tensors/exercises/outer-product/solution.py").read_text()
    for number, line in enumerate(solution.splitlines()):
        if number:
            page.keyboard.press("Enter")
        page.keyboard.type(line.strip())
    assert page.evaluate("window.torchgradeEditor.getValue()") == solution.rstrip("\n")
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Submit for grading")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_contain_text("full marks", timeout=60_000)
    assert_accessible(page)
    screenshot("graded")

    tab_to(page, "#status a")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Submission")).to_be_visible()
    assert_accessible(page)
