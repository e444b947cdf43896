"""A worker's sandbox breaks: the canary job its pool process runs (grader.worker.check_sandbox)
finds it, the sandbox heals itself, and the next student's submission is graded normally. A
sandbox that cannot run the canary makes /readyz say the site is not ready.

The sandbox here is a fork-server backend of the test's own, installed as this process's, the
way each pool process of a worker holds one.
"""

import os
import signal

import pytest

import sandbox
from grader import grading, runner, worker
from grader.models import Submission, WorkerHeartbeat
from tests.base import BaseTestCase
from tests.grader.factories import OUTER_SOLUTION, make_exercise
from tests.workers import fork_servers


@pytest.fixture
def own_backend(grading_backend):
    before = set(fork_servers(os.getpid()))
    backend = sandbox.create_backend(kind="forkserver", slots=1)
    runner.use_backend(backend)
    yield backend, set(fork_servers(os.getpid())) - before
    runner.use_backend(grading_backend)
    backend.close()


class SandboxCanaryTestCase(BaseTestCase):
    @pytest.fixture(autouse=True)
    def install_backend(self, own_backend):
        self.backend, self.servers = own_backend

    def setUp(self):
        super().setUp()
        WorkerHeartbeat.beat(worker.WORKER_ID, "w1@test", ["cpu"])

    def ready(self):
        return self.client.get("/readyz").json()["ready"]

    def test_a_frozen_fork_server_is_replaced_and_the_next_submission_graded_normally(self):
        self.assertEqual(len(self.servers), 1)
        for server in self.servers:
            os.kill(server, signal.SIGSTOP)  # alive, but it will never fork a job again
        self.assertTrue(worker.check_sandbox())
        self.assertEqual(self.backend.server_restarts, 1)
        self.assertTrue(self.ready())

        exercise = make_exercise(self.chapter)
        submission = Submission.objects.create(user=self.alice, exercise=exercise, version=exercise.current_version,
                                               code=OUTER_SOLUTION)
        grade = grading.grade_submission(submission.pk, worker=worker.WORKER_ID)
        submission.refresh_from_db()
        self.assertEqual((submission.status, submission.deliveries, grade.score, grade.sandbox_status),
                         ("graded", 1, 6, "ok"))

    def test_a_sandbox_that_cannot_run_a_canary_makes_the_site_not_ready(self):
        self.assertTrue(worker.check_sandbox())
        self.assertTrue(self.ready())
        self.backend.close()  # its cgroups and its runtime are gone: no job can start
        self.assertFalse(worker.check_sandbox())
        response = self.client.get("/readyz")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json()["checks"]["sandbox"], {"ok": False})
        self.assertFalse(WorkerHeartbeat.objects.get(worker_id=worker.WORKER_ID).canary_ok)
