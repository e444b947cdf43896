"""A student's whole exercise loop in a real browser, graded by a real Celery worker."""

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from courses.models import Course
from tests.base import PASSWORD, make_chapter
from tests.grader.factories import OUTER_SOLUTION, make_exercise

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow]

WRONG_SOLUTION = "import torch\n\ndef outer(a, b):\n    return a.reshape(-1, 1) @ b.reshape(1, -1) + 1\n"
TRAINING_SPEC = """
title: Learn y = 10x
entry: {training: train}
limits: {wall_s: 20, memory_mb: 512}
checks:
  - kind: training
    name: Predicts 5.0 -> 50
    points: 5
    data: {kind: linear, weight: 10.0, bias: 0.0, n: 32}
    args: {epochs: 150, lr: 0.1}
    holdout: {x: [[5.0]], y: [[50.0]]}
    max_holdout_mse: 1.0
    max_final_loss: 0.01
"""
TRAINING_SOLUTION = """
import torch
from torch import nn

def train(x, y, epochs, lr):
    model = nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return model, losses
"""


@pytest.fixture
def course(transactional_db):
    course = Course.objects.create(slug="torch-101", title="Torch 101")
    chapter = make_chapter(course, "tensors", 1)
    make_exercise(chapter)
    make_exercise(chapter, slug="learn-10x", spec_yaml=TRAINING_SPEC, solution=TRAINING_SOLUTION,
                  starter="def train(x, y, epochs, lr):\n    raise NotImplementedError\n")
    User.objects.create_user("alice", "alice@example.org", PASSWORD)
    return course


@pytest.fixture
def student(page, live_server, course, workers):
    workers("browser")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Learn PyTorch by writing it")).to_be_visible()
    return page


def type_code(page, code):
    page.locator("#editor .ace_content").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(code)


def editor_value(page):
    return page.evaluate("window.torchgradeEditor.getValue()")


def test_a_student_fails_then_fixes_an_exercise_and_finds_the_history(student, live_server, screenshot):
    page = student
    page.goto(f"{live_server.url}/courses/torch-101/tensors/")
    page.get_by_role("link", name="Outer product").click()
    expect(page.get_by_role("heading", name="Outer product")).to_be_visible()
    expect(page.locator("#editor .ace_text-layer")).to_contain_text("return a * b")
    exercise_url = page.url

    type_code(page, WRONG_SOLUTION)
    page.get_by_role("button", name="Submit for grading").click()
    status = page.locator("#status")
    expect(status).to_contain_text(re.compile("queued|running|/ 6"))
    expect(status.locator("li.failed").first).to_contain_text("Wrong result for inputs", timeout=30_000)
    expect(status).to_contain_text("Mismatched elements: 6 / 6")
    assert page.url == exercise_url, "the result arrives without leaving the page"
    screenshot("failed")

    type_code(page, OUTER_SOLUTION)
    page.get_by_role("button", name="Submit for grading").click()
    expect(page.locator("#status")).to_contain_text("full marks", timeout=30_000)
    expect(page.locator("#history tbody tr")).to_have_count(2)
    expect(page.locator("#history tbody tr").first).to_contain_text("graded")
    expect(page.locator("#history tbody tr").first).to_contain_text("6 / 6")
    screenshot("passed")

    page.reload()
    assert editor_value(page) == OUTER_SOLUTION
    expect(page.locator("#history tbody tr")).to_have_count(2)
    page.locator("#history tbody tr").nth(1).get_by_role("link", name="Restore code").click()
    expect(page.get_by_text(re.compile(r"Restored the code of submission \d+"))).to_be_visible()
    assert editor_value(page) == WRONG_SOLUTION

    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("phone")


def test_a_draft_survives_a_reload(student, live_server):
    page = student
    page.goto(f"{live_server.url}/courses/torch-101/tensors/exercises/outer/")
    type_code(page, "# my unsubmitted idea\n")
    page.reload()
    expect(page.get_by_text("Restored your unsubmitted draft")).to_be_visible()
    assert editor_value(page) == "# my unsubmitted idea\n"


def test_a_training_exercise_shows_the_loss_curve(student, live_server, screenshot):
    page = student
    page.goto(f"{live_server.url}/courses/torch-101/tensors/exercises/learn-10x/")
    type_code(page, TRAINING_SOLUTION)
    page.get_by_role("button", name="Submit for grading").click()
    expect(page.locator("#status")).to_contain_text("5 / 5", timeout=30_000)
    curve = page.locator("svg.loss-curve")
    expect(curve).to_be_visible()
    expect(curve.locator("polyline")).to_have_count(2)
    assert "threshold 0.01" in curve.inner_html()
    screenshot("loss-curve")


def test_submitting_works_without_javascript(browser, live_server, course, workers, screenshot):
    workers("nojs")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/courses/torch-101/tensors/exercises/outer/")
    page.get_by_label("Your code").fill(OUTER_SOLUTION)
    page.get_by_role("button", name="Submit for grading").click()
    expect(page).to_have_url(re.compile(r"/submissions/\d+/$"))
    # Without htmx the page refreshes itself (a meta refresh) until the grade is in.
    expect(page.locator("#status")).to_contain_text("6 / 6", timeout=30_000)
    context.close()


def test_submitting_again_while_grading_is_refused_and_keeps_the_live_status(student, live_server):
    page = student
    page.goto(f"{live_server.url}/courses/torch-101/tensors/exercises/outer/")
    type_code(page, OUTER_SOLUTION + "\nimport time\ntime.sleep(3)\n")
    page.get_by_role("button", name="Submit for grading").click()
    expect(page.locator("#status")).to_contain_text(re.compile("queued|running"))
    page.get_by_role("button", name="Submit for grading").click()
    expect(page.locator("#submit-errors")).to_contain_text("still being graded")
    expect(page.locator("#status")).to_contain_text("full marks", timeout=30_000)
    expect(page.locator("#history tbody tr")).to_have_count(1)
