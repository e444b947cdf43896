"""Nothing of a hidden check reaches the student, whatever the code tries.

Each submission below tries to get the hidden checks' inputs out: by printing them, by raising an
exception that carries them, or by writing them to a file descriptor it saved at import time. It
is graded for real, then the student's own pages (exercise page, restored exercise page,
submission page, status fragment) must contain none of: the hidden probes' inputs, the
reference's outputs on them, the seed, or anything the hidden checks' job printed. The staff
review page does show that job's output, labelled as such.
"""

import pytest
import torch
from django.urls import reverse

from grader import grading
from grader.models import Submission
from judging.probes import build_plan
from tests.base import BaseTestCase
from tests.grader.factories import make_exercise

pytestmark = pytest.mark.usefixtures("grading_backend")

# Each value as the leaking code writes it, so the test can find exactly what it would leak.
SHOW = """
def shown(*tensors):
    return "LEAK " + " ".join(f"{v:.6f}" for t in tensors for v in t.flatten().tolist())
"""
WRONG_BY_HALF = "    return (a.reshape(-1, 1) @ b.reshape(1, -1)) * 1.5\n"
PRINTS_ITS_INPUTS = SHOW + "\ndef outer(a, b):\n    print(shown(a, b))\n" + WRONG_BY_HALF
RAISES_WITH_ITS_INPUTS = SHOW + "\ndef outer(a, b):\n    raise ValueError(shown(a, b))\n"
WRITES_TO_SAVED_DESCRIPTORS = "import os\nsaved = [os.dup(1), os.dup(2)]\n" + SHOW + """
def outer(a, b):
    for fd in saved:
        os.write(fd, (shown(a, b) + "\\n").encode())
""" + WRONG_BY_HALF


def written(values):
    """The ways a number could show up on a page: the leak's format, torch's print, the judge's."""
    return {text for v in values for text in (f"{v:.6f}", f"{v:.4f}", f"{v:.6g}")}


class HiddenLeakTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.exercise = make_exercise(self.chapter)  # "Random vectors" is hidden, drawn from the seed
        self.login(self.alice)

    def graded(self, code):
        submission = Submission.objects.create(user=self.alice, exercise=self.exercise, code=code,
                                               version=self.exercise.current_version)
        grade = grading.grade_submission(submission.pk)
        self.assertIsNotNone(grade)
        hidden = {c.name: c for c in grade.checks.all()}["Random vectors"]
        self.assertFalse(hidden.passed)
        return submission, grade

    def secrets(self, submission):
        """What the student must never see, computed here on the trusted side."""
        plan = build_plan(self.exercise.current_version.spec, submission.seed)
        hidden = [probe for probe in plan.probes if plan.hidden_probe(probe["id"])]
        self.assertEqual(len(hidden), 3)
        inputs = [v for probe in hidden for arg in probe["args"] for v in arg.flatten().tolist()]
        outputs = [v for probe in hidden for v in torch.outer(*probe["args"]).flatten().tolist()]
        return inputs, outputs

    def student_pages(self, submission):
        exercise_url = self.exercise.get_absolute_url()
        urls = [exercise_url, f"{exercise_url}?restore={submission.pk}", submission.get_absolute_url(),
                reverse("submission_status", args=[submission.pk])]
        pages = {}
        for url in urls:
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200, url)
            pages[url] = response.content.decode()
        return pages

    def assert_nothing_hidden_shown(self, submission, grade):
        inputs, outputs = self.secrets(submission)
        forbidden = {"seed": {str(submission.seed)}, "hidden input": written(inputs),
                     "reference output": written(outputs),
                     "hidden job's output": {line.strip() for line in grade.staff_output.splitlines() if "LEAK" in line}}
        for url, page in self.student_pages(submission).items():
            self.assertIn("Failed on a hidden test. Hint: Reshape, then matmul.", page, url)
            for what, texts in forbidden.items():
                shown = sorted(text for text in texts if text in page)
                self.assertEqual(shown, [], f"{url} shows the {what}")

    def assert_leaked_to_staff_only(self, submission, grade):
        """The hidden probes did run and leak: their job's output, kept for staff, has their inputs."""
        inputs, _ = self.secrets(submission)
        self.assert_nothing_hidden_shown(submission, grade)
        first_probe = "LEAK " + " ".join(f"{v:.6f}" for v in inputs[:7])  # a (4 values) and b (3)
        self.assertIn(first_probe, grade.staff_output)

    def test_printing_the_inputs_shows_only_the_visible_ones(self):
        submission, grade = self.graded(PRINTS_ITS_INPUTS)
        visible = "LEAK 1.000000 2.000000 3.000000 4.000000 5.000000"
        self.assertIn(visible, grade.stdout)
        self.assertIn(visible, self.student_pages(submission)[submission.get_absolute_url()])
        self.assert_leaked_to_staff_only(submission, grade)

    def test_an_exception_carrying_the_inputs_shows_only_the_visible_ones(self):
        submission, grade = self.graded(RAISES_WITH_ITS_INPUTS)
        examples = {c.name: c for c in grade.checks.all()}["Examples"]
        self.assertIn("ValueError: LEAK 1.000000 2.000000 3.000000", examples.message)
        self.assert_nothing_hidden_shown(submission, grade)
        self.assertIn("[hidden checks: ok]", grade.staff_output)  # its errors are answers, judged hidden
        # staff see why the hidden check failed: the exception, with the hidden inputs it carried
        inputs, _ = self.secrets(submission)
        self.assertIn("--- Random vectors failed:", grade.staff_output)
        self.assertIn("ValueError: LEAK " + " ".join(f"{v:.6f}" for v in inputs[:7]), grade.staff_output)

    def test_a_descriptor_saved_at_import_shows_only_the_visible_inputs(self):
        submission, grade = self.graded(WRITES_TO_SAVED_DESCRIPTORS)
        self.assertIn("LEAK 1.000000 2.000000", grade.stdout)
        self.assertIn("LEAK 1.000000 2.000000", grade.stderr)
        self.assert_leaked_to_staff_only(submission, grade)

    def test_staff_see_the_hidden_jobs_output_labelled(self):
        submission, grade = self.graded(PRINTS_ITS_INPUTS)
        inputs, _ = self.secrets(submission)
        self.login(self.ian)
        page = self.client.get(f"/staff/submissions/{submission.pk}/")
        self.assertContains(page, "Hidden-check output")
        self.assertContains(page, "staff only")
        self.assertContains(page, "LEAK " + " ".join(f"{v:.6f}" for v in inputs[:7]))
        self.login(self.alice)
        self.assertEqual(self.client.get(f"/staff/submissions/{submission.pk}/").status_code, 403)
