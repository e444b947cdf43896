from datetime import timedelta
from unittest import mock

from django.utils import timezone

from grader import jobs, tasks
from grader.models import Submission, WorkerHeartbeat
from tests.base import BaseTestCase
from tests.grader.factories import OUTER_SOLUTION, make_exercise
from torchgrade.celery import app
from torchgrade.queues import broker_queue


class SweepTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.exercise = make_exercise(self.chapter)
        self.long_ago = timezone.now() - timedelta(minutes=10)

    def submission(self, **fields):
        return Submission.objects.create(user=self.alice, exercise=self.exercise,
                                         version=self.exercise.current_version, code=OUTER_SOLUTION, **fields)

    def sweep(self, queue_length=0):
        with mock.patch.object(tasks, "queue_length", return_value=queue_length), \
                self.captureOnCommitCallbacks(execute=False) as callbacks:
            count = tasks.requeue_stuck_submissions()
        return count, callbacks

    def beat(self, worker_id, last_seen, hostname="w1@host"):
        WorkerHeartbeat.objects.create(worker_id=worker_id, hostname=hostname, queues=["cpu"], last_seen=last_seen)

    def test_it_resends_a_submission_whose_worker_stopped_beating(self):
        self.beat("dead-start", self.long_ago)
        lost = self.submission(status="running", worker="dead-start", started_at=timezone.now())
        count, callbacks = self.sweep()
        lost.refresh_from_db()
        self.assertEqual((count, len(callbacks), lost.status), (1, 1, "queued"))

    def test_a_replacement_with_the_same_hostname_does_not_hide_the_dead_worker(self):
        self.beat("dead-start", self.long_ago)
        self.beat("replacement", timezone.now())
        lost = self.submission(status="running", worker="dead-start", started_at=timezone.now())
        self.assertEqual(self.sweep()[0], 1)
        lost.refresh_from_db()
        self.assertEqual(lost.status, "queued")

    def test_it_leaves_a_submission_of_a_live_worker_alone(self):
        self.beat("live-start", timezone.now())
        self.submission(status="running", worker="live-start", started_at=timezone.now())
        self.assertEqual(self.sweep()[0], 0)

    def test_it_forgets_workers_dead_for_a_day(self):
        self.beat("long-dead", timezone.now() - WorkerHeartbeat.KEPT_AFTER_DEATH - timedelta(minutes=1))
        self.beat("dead-lately", self.long_ago)
        self.sweep()
        self.assertEqual(list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)), ["dead-lately"])

    def test_it_resends_a_long_queued_submission_only_when_its_queue_is_empty(self):
        self.submission(status="queued", enqueued_at=self.long_ago)
        self.assertEqual(self.sweep(queue_length=5)[0], 0)
        self.assertEqual(self.sweep(queue_length=0)[0], 1)

    def test_it_ignores_recent_and_finished_submissions(self):
        self.submission(status="queued", enqueued_at=timezone.now())
        self.submission(status="graded", enqueued_at=self.long_ago)
        self.assertEqual(self.sweep()[0], 0)


class ResendOrderTestCase(BaseTestCase):
    """Against the real broker: a re-sent submission goes ahead of the new ones already waiting."""

    def test_a_re_sent_submission_is_taken_before_new_ones(self):
        exercise = make_exercise(self.chapter)
        with app.connection_for_write() as connection:
            connection.default_channel.queue_purge(broker_queue("cpu"))
        waiting = [Submission.objects.create(user=user, exercise=exercise, version=exercise.current_version,
                                             code=OUTER_SOLUTION) for user in (self.alice, self.bob, self.ian)]
        with self.captureOnCommitCallbacks(execute=True):
            for submission in waiting:
                submission.enqueue()
        orphan = Submission.objects.create(user=self.ada, exercise=exercise, version=exercise.current_version,
                                           code=OUTER_SOLUTION, status="running", worker="dead-start")
        with self.captureOnCommitCallbacks(execute=True):
            self.assertTrue(orphan.requeue())
        with app.connection_for_read() as connection:
            queue = connection.SimpleQueue(broker_queue("cpu"))
            taken = [queue.get(timeout=2) for _ in range(4)]
            for message in taken:
                message.ack()
            queue.close()
        self.assertEqual([message.payload[0][0] for message in taken], [orphan.pk] + [s.pk for s in waiting])


class QueueLengthTestCase(BaseTestCase):
    """Against the real broker: the sweep must read an empty queue as 0, not fail on it."""

    def test_it_counts_the_messages_waiting_in_a_queue(self):
        queue = broker_queue("gpu")  # no test worker serves it
        with app.connection_for_write() as connection:
            connection.default_channel.queue_declare(queue=queue)
            connection.default_channel.queue_purge(queue)
        self.assertEqual(jobs.queue_length("gpu"), 0)
        for _ in range(3):
            app.send_task("grader.tasks.grade_submission_task", (0,), queue=queue)
        self.assertEqual(jobs.queue_length("gpu"), 3)
        with app.connection_for_write() as connection:
            connection.default_channel.queue_purge(queue)
