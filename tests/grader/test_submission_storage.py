"""Whatever a student's run prints or raises is stored, on PostgreSQL and SQLite alike, and a
crash of ours while judging or saving fails the submission once, without costing an attempt.
Each stored text is capped (grader.models.STORED_TEXT_LIMIT), with what was dropped counted.

PostgreSQL refuses NUL in text and no UTF-8 encoder takes a lone surrogate: both are stored as
visible substitutes (the four characters \\x00, and U+FFFD), through grader.models.storable_text.
"""

from unittest import mock

import pytest
from django.db import DataError
from django.urls import reverse

from grader import grading
from grader.models import STORED_TEXT_LIMIT, Grade, RegradeBatch, Submission, storable_text
from grader.tasks import regrade_submission_task
from tests.base import BaseTestCase
from tests.grader.factories import OUTER_SOLUTION, OUTER_SPEC, make_exercise

pytestmark = pytest.mark.usefixtures("grading_backend")

# Written through os, not sys: the exercise's api check refuses `import sys` (judging.tamper).
NUL_AND_BAD_BYTES = OUTER_SOLUTION + r"""
import os
print("before\0after", flush=True)
os.write(1, b"bad utf-8: \xff\xfe\xc3(\n")
os.write(1, b"\0\xff" * 4096)
os.write(2, b"err\0or\n")
"""

RAISES_NUL_AND_SURROGATE = r"""
import torch

def outer(a, b):
    raise ValueError("nul \0 and a lone surrogate \udcff")
"""


def test_storable_text_keeps_ordinary_text_and_substitutes_only_what_cannot_be_stored():
    assert storable_text("tensor([1., 2.]) é ✓ \\ \n") == "tensor([1., 2.]) é ✓ \\ \n"
    assert storable_text("a\0b\ud800c\udfffd") == "a\\x00b\ufffdc\ufffdd"
    assert storable_text("\U0001f600") == "\U0001f600"  # a surrogate pair's character is no lone surrogate


RAISES_MEGABYTES = """
def outer(a, b):
    raise RuntimeError("X" * 6_000_000)
"""


def test_storable_text_caps_long_text_and_counts_what_it_dropped():
    assert storable_text("x" * STORED_TEXT_LIMIT) == "x" * STORED_TEXT_LIMIT
    capped = storable_text("y" * (STORED_TEXT_LIMIT + 12345))
    assert capped == "y" * STORED_TEXT_LIMIT + "\n… 12345 more characters"
    # counted after the substitutions, on what would have been stored
    assert storable_text("\0" * STORED_TEXT_LIMIT).endswith(f"… {3 * STORED_TEXT_LIMIT} more characters")


class SubmissionStorageTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        # Room for the 64 KiB of NUL and invalid bytes below.
        spec = OUTER_SPEC.replace("memory_mb: 512}", "memory_mb: 512, output_kb: 256}")
        self.exercise = make_exercise(self.chapter, spec_yaml=spec)

    def submit(self, code):
        return Submission.objects.create(user=self.alice, exercise=self.exercise,
                                         version=self.exercise.current_version, code=code)

    def grade(self, code):
        submission = self.submit(code)
        with self.captureOnCommitCallbacks(execute=False) as resent:
            grade = grading.grade_submission(submission.pk, worker="start-1")
        submission.refresh_from_db()
        self.assertEqual((submission.status, submission.deliveries, resent), ("graded", 1, []))
        return Grade.objects.get(pk=grade.pk)

    def test_nul_and_invalid_utf8_in_the_output_are_stored(self):
        grade = self.grade(NUL_AND_BAD_BYTES)
        self.assertEqual((grade.score, grade.sandbox_status), (6, "ok"))
        self.assertIn("before\\x00after", grade.stdout)
        self.assertIn("bad utf-8: \ufffd\ufffd\ufffd(", grade.stdout)
        self.assertEqual(grade.stdout.count("\\x00\ufffd"), 4096)
        self.assertIn("err\\x00or", grade.stderr)
        self.assertIn("before\\x00after", grade.staff_output)  # the hidden checks' run printed it too

    def test_nul_and_a_lone_surrogate_in_an_exception_are_stored(self):
        grade = self.grade(RAISES_NUL_AND_SURROGATE)
        message = grade.checks.get(name="Examples").message
        self.assertIn("ValueError: nul \\x00 and a lone surrogate \ufffd", message)
        self.assertEqual(grade.score, 1)

    def test_megabytes_of_error_text_are_stored_capped_and_pages_stay_small(self):
        grade = self.grade(RAISES_MEGABYTES)
        self.assertEqual(grade.score, 1)  # only the api check passes
        texts = {"error": grade.error, "staff_output": grade.staff_output,
                 **{check.name: check.message for check in grade.checks.all()}}
        for name, text in texts.items():
            self.assertLessEqual(len(text), STORED_TEXT_LIMIT + 40, name)
        for name in ("staff_output", "Examples"):
            self.assertRegex(texts[name], r"XXXX\n… \d{7} more characters$", name)
        self.login(self.alice)
        student_page = self.client.get(grade.submission.get_absolute_url())
        self.assertEqual(student_page.status_code, 200)
        self.assertLess(len(student_page.content), 4 * STORED_TEXT_LIMIT)
        self.login(self.ian)
        staff_page = self.client.get(reverse("staff_submission", args=[grade.submission.pk]))
        self.assertEqual(staff_page.status_code, 200)
        self.assertLess(len(staff_page.content), 6 * STORED_TEXT_LIMIT)

    def test_a_crash_while_saving_fails_the_submission_once_without_costing_an_attempt(self):
        submission = self.submit(OUTER_SOLUTION)
        with mock.patch.object(Submission, "record_grade", side_effect=DataError("cannot store this")), \
                self.captureOnCommitCallbacks(execute=False) as resent:
            self.assertIsNone(grading.grade_submission(submission.pk, worker="start-1"))
        submission.refresh_from_db()
        self.assertEqual((submission.status, submission.counts_as_attempt, submission.deliveries, resent),
                         ("error", False, 1, []))
        self.assertIn("our fault", submission.error_message)
        self.assertFalse(Grade.objects.exists())
        self.assertIsNone(grading.grade_submission(submission.pk, worker="start-1"))  # a stray redelivery
        submission.refresh_from_db()
        self.assertEqual((submission.status, submission.deliveries), ("error", 1))


class RegradeBatchTestCase(BaseTestCase):
    def test_a_batch_finishes_and_counts_a_regrade_that_crashed(self):
        exercise = make_exercise(self.chapter)
        submissions = [Submission.objects.create(user=user, exercise=exercise, version=exercise.current_version,
                                                 code=OUTER_SOLUTION) for user in (self.alice, self.bob)]
        for submission in submissions:
            grading.grade_submission(submission.pk)
        batch = RegradeBatch.objects.create(exercise=exercise, version=exercise.current_version, total=2)
        regrade_submission_task(submissions[0].pk, batch_id=batch.pk, actor_id=self.ian.pk)
        with mock.patch.object(Submission, "record_grade", side_effect=DataError("cannot store this")):
            regrade_submission_task(submissions[1].pk, batch_id=batch.pk, actor_id=self.ian.pk)
        batch.refresh_from_db()
        self.assertEqual((batch.done, batch.failed, batch.finished), (2, 1, True))
        self.assertEqual([s.grades.count() for s in submissions], [2, 1])
        submissions[1].refresh_from_db()
        self.assertEqual(submissions[1].status, "graded")  # the old grade stands
