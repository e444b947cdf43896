"""Two instances on one host never take each other's tasks, and a task for a submission this
database does not have is sent again, never dropped in silence.

Two checkouts running `bin/serve` shared Redis database 0 and the queue `cpu`: one instance's
worker took the other's grading tasks, found no such submission and dropped them. Queues are
now named after the instance's database (torchgrade/queues.py).
"""

from unittest import mock

from celery.exceptions import Retry
from django.conf import settings

from grader import jobs, tasks
from tests.base import BaseTestCase
from torchgrade.celery import app
from torchgrade.queues import broker_queue, default_prefix, kind_of


def sqlite(path):
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": path, "HOST": "", "PORT": ""}


def test_each_database_names_its_own_queues():
    one, other = default_prefix(sqlite("/srv/a/var/db.sqlite3")), default_prefix(sqlite("/srv/b/var/db.sqlite3"))
    assert one != other
    assert default_prefix(sqlite("/srv/a/var/db.sqlite3")) == one  # the same instance after a restart
    postgres = {"ENGINE": "django.db.backends.postgresql", "NAME": "torchgrade", "HOST": "127.0.0.1", "PORT": 5432}
    assert default_prefix(postgres) != default_prefix({**postgres, "NAME": "torchgrade2"})
    assert broker_queue("cpu") == f"{settings.GRADER_QUEUE_PREFIX}cpu" != "cpu"
    assert (kind_of(broker_queue("gpu")), kind_of("cpu")) == ("gpu", "cpu")


class InstanceQueuesTestCase(BaseTestCase):
    """Against the real broker."""

    def purge(self, *queues):
        with app.connection_for_write() as connection:
            for queue in queues:
                connection.default_channel.queue_declare(queue=queue)
                connection.default_channel.queue_purge(queue)

    def waiting(self, queue):
        with app.connection_for_read() as connection:
            return connection.default_channel.queue_declare(queue=queue).message_count

    def test_a_task_goes_to_this_instance_s_queue_only(self):
        ours, shared = broker_queue("gpu"), "gpu"  # no test worker serves either
        self.purge(ours, shared)
        jobs.grade_submission_task.apply_async((0,), queue="gpu")
        self.assertEqual((self.waiting(ours), self.waiting(shared), jobs.queue_length("gpu")), (1, 0, 1))
        self.purge(ours)

    def test_a_task_for_a_submission_this_database_lacks_is_sent_again_not_dropped(self):
        with mock.patch.object(tasks.grade_submission_task, "retry", side_effect=Retry()) as retry, \
                self.assertLogs("torchgrade.tasks", "ERROR") as logs, self.assertRaises(Retry):
            tasks.grade_submission_task(987654)
        retry.assert_called_once()
        self.assertIn("no such submission in this worker's database", logs.output[0])
