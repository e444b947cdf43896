"""Reference answers computed ahead: a submission takes a seed from its version's pool, and its
grading runs only the student's code."""

import threading
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import TransactionTestCase, override_settings

from grader import grading, jobs, reference_pool, tasks
from grader.models import ExerciseValidation, ReferenceAnswers, Submission
from grader.runner import get_backend
from courses.models import Course
from tests.base import BaseTestCase, make_chapter
from tests.grader.factories import OUTER_SOLUTION, OUTER_STARTER, make_exercise

pytestmark = pytest.mark.usefixtures("grading_backend")


class CountingBackend:
    """The real sandbox, counting the jobs it runs and whose code they ran."""

    def __init__(self, backend):
        self.backend, self.sources = backend, []
        self.has_gpu = backend.has_gpu

    def run(self, job):
        self.sources.append(job.files["submission.py"])
        return self.backend.run(job)


@override_settings(GRADER_REFERENCE_POOL_SIZE=3)
class ReferencePoolTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()  # the refill throttle
        self.exercise = make_exercise(self.chapter)
        self.version = self.exercise.current_version

    def submit(self, code, user=None):
        with mock.patch("grader.jobs.grade_submission_task.apply_async"), \
                mock.patch("grader.jobs.fill_reference_pool_task.apply_async") as fill:
            with self.captureOnCommitCallbacks(execute=True):
                submission = Submission.create_for(user or self.alice, self.exercise, code)
        return submission, fill

    def test_filling_adds_entries_with_distinct_secret_seeds_up_to_the_size(self):
        self.assertEqual(reference_pool.fill(self.version, get_backend(), most=10), 3)
        self.assertEqual(reference_pool.fill(self.version, get_backend(), most=10), 0)
        seeds = set(ReferenceAnswers.objects.values_list("seed", flat=True))
        self.assertEqual(len(seeds), 3)
        answers = reference_pool.answers_for(self.version, seeds.pop())
        self.assertEqual(len(answers["probes"]), 4)  # the example and the 3 hidden draws, each answered
        self.assertTrue(all(answer["ok"] for answer in answers["probes"].values()))

    def test_a_submission_takes_its_seed_from_the_pool_and_no_two_share_one(self):
        reference_pool.fill(self.version, get_backend(), most=10)
        first, _ = self.submit(OUTER_STARTER)
        second, _ = self.submit(OUTER_STARTER, user=self.bob)
        self.assertNotEqual(first.seed, second.seed)
        for submission in (first, second):
            self.assertEqual(ReferenceAnswers.objects.get(seed=submission.seed).submission, submission)
        self.assertEqual(ReferenceAnswers.unclaimed(self.version).count(), 1)

    def test_an_empty_pool_draws_a_fresh_seed_and_asks_for_a_refill(self):
        submission, fill = self.submit(OUTER_STARTER)
        self.assertFalse(ReferenceAnswers.objects.filter(seed=submission.seed).exists())
        fill.assert_called_once()
        self.assertEqual(fill.call_args.args[0], (self.version.pk,))

    def test_grading_from_the_pool_runs_only_the_students_code_and_grades_alike(self):
        reference_pool.fill(self.version, get_backend(), most=10)
        submission, _ = self.submit(OUTER_SOLUTION.replace("@", "* 1.0 @"))
        counting = CountingBackend(get_backend())
        grade = grading.grade_submission(submission.pk, backend=counting)
        self.assertEqual((grade.score, grade.max_score), (6, 6))
        self.assertEqual(len(counting.sources), 2)  # the visible and the hidden checks' jobs
        self.assertNotIn(OUTER_SOLUTION, counting.sources)
        inline = grading.evaluate(self.version.spec, OUTER_SOLUTION, submission.code, submission.seed, get_backend())
        self.assertEqual(inline.score, grade.score)

    def test_a_regrade_against_a_new_version_runs_the_reference_again(self):
        reference_pool.fill(self.version, get_backend(), most=10)
        submission, _ = self.submit(OUTER_STARTER)
        grading.grade_submission(submission.pk)
        new_version = self.exercise.set_version(self.version.spec, self.version.spec_source + "\n", OUTER_SOLUTION)
        counting = CountingBackend(get_backend())
        grading.regrade(submission, new_version, backend=counting)
        self.assertIn(OUTER_SOLUTION, counting.sources)

    def test_a_passing_validation_asks_for_the_pool_to_be_filled(self):
        validation = ExerciseValidation.objects.create(version=self.version)
        with mock.patch("grader.jobs.fill_reference_pool_task.apply_async") as fill:
            with self.captureOnCommitCallbacks(execute=True):
                tasks.validate_exercise_task.apply(args=(validation.pk,))
        validation.refresh_from_db()
        self.assertEqual(validation.status, ExerciseValidation.PASSED)
        self.assertEqual(fill.call_args.args[0], (self.version.pk,))

    @override_settings(GRADER_REFERENCE_POOL_SIZE=12)
    def test_the_fill_task_works_a_batch_at_a_time_and_sends_itself_for_the_rest(self):
        with mock.patch.object(jobs.fill_reference_pool_task, "apply_async") as again:
            added = tasks.fill_reference_pool_task.apply(args=(self.version.pk,)).get()
        self.assertEqual((added, ReferenceAnswers.unclaimed(self.version).count()), (tasks.POOL_FILL_BATCH, 10))
        again.assert_called_once()


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite has no row locks (it runs one writer at a time); bin/test's PostgreSQL pass runs this")
class ConcurrentClaimsTestCase(TransactionTestCase):
    """Two submissions claiming at once, each in its own transaction on its own connection."""

    def test_a_claim_in_another_open_transaction_gets_another_entry_without_waiting(self):
        version = make_exercise(make_chapter(Course.objects.create(slug="c", title="C"), "ch", 1)).current_version
        entries = [ReferenceAnswers.objects.create(version=version, answers=b"") for _ in range(2)]
        claimed, release, claims = threading.Event(), threading.Event(), {}

        def claim(name, hold):
            try:
                with transaction.atomic():
                    claims[name] = ReferenceAnswers.claim_for(version)
                    claimed.set()
                    release.wait(hold)  # the first claim's transaction stays open meanwhile
            finally:
                connection.close()  # the thread's own connection

        first = threading.Thread(target=claim, args=("first", 60))
        first.start()
        self.assertTrue(claimed.wait(30), "the first claim never ran")
        second = threading.Thread(target=claim, args=("second", 0))
        second.start()
        second.join(30)  # a claim waiting on the first one's lock would never end while it is held
        finished_while_held = not second.is_alive()
        release.set()
        first.join()
        second.join()
        self.assertTrue(finished_while_held, "the second claim waited for the first one's transaction")
        self.assertEqual({claims["first"], claims["second"]}, set(entries))
