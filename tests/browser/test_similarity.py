"""An instructor reads a similarity report of an exercise: the pairs ranked, the warning that
similarity is no evidence, and the top pair side by side with the matching code marked on both
sides. The report is computed in the fixture (no worker)."""

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from courses.models import Course
from grader.models import Submission
from runs.models import Enrollment
from similarity.models import SimilarityReport
from similarity.report import compare_final_submissions
from tests.base import PASSWORD, make_chapter
from tests.grader.factories import make_exercise
from tests.similarity.base import EINSUM, LOOPS, PARTLY_COPIED, RENAMED

pytestmark = [pytest.mark.browser]


@pytest.fixture
def exercise(transactional_db):
    course = Course.objects.create(slug="torch-101", title="Torch 101")
    course.instructors.add(User.objects.create_user("ian", "ian@example.org", PASSWORD))
    exercise = make_exercise(make_chapter(course, "tensors", 1))
    run = course.runs.get()
    for name, code in (("alice", LOOPS), ("bob", PARTLY_COPIED), ("carol", RENAMED), ("dan", EINSUM)):
        student = User.objects.create_user(name, f"{name}@example.org", PASSWORD)
        Enrollment.objects.create(run=run, user=student)
        Submission.objects.create(user=student, exercise=exercise, code=code, status=Submission.GRADED,
                                  version=exercise.current_version)
    report = SimilarityReport.objects.create(exercise=exercise, run=run)
    comparison = compare_final_submissions(exercise, run)
    report.finish(comparison.compared, comparison.matches)
    return exercise


def test_an_instructor_reads_the_most_similar_pair(page, live_server, log_in, exercise, screenshot):
    log_in(page, "ian")
    page.goto(f"{live_server.url}/staff/exercises/{exercise.pk}/similarity/")
    expect(page.get_by_text("not evidence of misconduct")).to_be_visible()
    rows = page.locator("#similar-pairs tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0).locator("td").nth(0)).to_have_text("alice")
    expect(rows.nth(0).locator("td").nth(1)).to_have_text("carol")
    percents = [int(re.search(r"(\d+)%", rows.nth(i).inner_text()).group(1)) for i in range(3)]
    assert percents == sorted(percents, reverse=True) and percents[0] > percents[2], percents
    screenshot("report")

    rows.nth(0).get_by_role("link", name="Compare side by side").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("alice and carol")
    expect(page.get_by_text("not evidence of misconduct")).to_be_visible()
    for side in ("alice", "carol"):
        marks = page.locator(".similarity-side", has=page.get_by_role("heading", name=side)).locator("mark")
        expect(marks.first).to_contain_text("torch.stack(")
    screenshot("pair")
