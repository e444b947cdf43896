"""From the LMS into torchgrade and back: an LMS page's auto-submitting form starts the launch
(OIDC login initiation, the fake LMS's authentication response, the signed id_token), the student
lands on the exercise signed in, submits, a real worker grades it, and the score reaches the
fake LMS's AGS endpoint through a real background worker. Real browser, live server, workers."""

import tempfile

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from courses.models import Course
from lti import keys
from lti.models import Deployment, LtiIdentity, Platform, ScoreSend
from tests.base import make_chapter
from tests.grader.factories import OUTER_SOLUTION, make_exercise
from tests.lti.platform import DEPLOYMENT_ID, LEARNER, FakePlatform
from tests.workers import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def key_dir():
    with tempfile.TemporaryDirectory() as directory, override_settings(LTI_KEY_DIR=directory):
        yield directory


@pytest.fixture
def lms(live_server):
    # "localhost", as the live server: the LMS's pages and the tool's are then the same site, as
    # they are not in production, where the cookies are SameSite=None (settings).
    platform = FakePlatform(public_host="localhost")
    platform.tool_urls = {"login": f"{live_server.url}/lti/login/", "launch": f"{live_server.url}/lti/launch/"}
    yield platform
    platform.stop()


def test_a_student_launches_from_the_lms_and_the_score_reaches_its_gradebook(page, live_server, lms, key_dir,
                                                                              workers, screenshot):
    course = Course.objects.create(slug="torch-101", title="Torch 101")
    exercise = make_exercise(make_chapter(course, "tensors", 1))
    registration = Platform.objects.create(**lms.registration())
    registration.courses.add(course)
    Deployment.objects.create(platform=registration, deployment_id=DEPLOYMENT_ID)
    lms.tool_key_set = keys.jwks()
    lms.pending_launch = {"sub": "student-7", "item": f"exercise:{exercise.pk}"}
    lms.members = [{"status": "Active", "user_id": "student-7", "roles": [LEARNER]}]  # synced after the launch
    # gradings, and the LMS's passback (background work)
    workers("lti", kinds=("cpu", "cpu-background"), env={"LTI_KEY_DIR": key_dir})

    page.goto(f"{lms.base}/start")
    expect(page.get_by_role("heading", name=exercise.title)).to_be_visible()
    student = LtiIdentity.objects.get(sub="student-7").user
    expect(page.get_by_text(student.get_username())).to_be_visible()

    page.locator("#editor .ace_content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(OUTER_SOLUTION)
    page.get_by_role("button", name="Submit for grading").click()
    expect(page.locator("#status")).to_contain_text("6 / 6", timeout=60_000)
    screenshot("graded")

    wait_for(lambda: lms.scores, 60, "the score at the LMS")
    score, = lms.scores
    assert (score["userId"], score["scoreGiven"], score["scoreMaximum"]) == ("student-7", 6, 6)
    assert score["gradingProgress"] == "FullyGraded"
    assert ScoreSend.objects.get().status == ScoreSend.SENT
