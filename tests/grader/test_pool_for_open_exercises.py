"""Reference answers are computed first for the exercises students open.

Opening an exercise asks a background worker to fill that version's reference pool at the
urgent priority (ahead of the fills of every other exercise that start-up or an import asked
for at the background priority), at most once per throttle period.
"""

from unittest import mock

from django.conf import settings
from django.core.cache import cache

from tests.base import BaseTestCase
from tests.grader.factories import make_exercise


class PoolForOpenExercisesTestCase(BaseTestCase):
    def test_opening_an_exercise_asks_for_its_pool_first_once_per_throttle_period(self):
        cache.clear()
        exercise = make_exercise(self.chapter)
        self.login(self.alice)
        with mock.patch("grader.jobs.fill_reference_pool_task.apply_async") as fill, \
                self.captureOnCommitCallbacks(execute=True):
            for _ in range(3):
                self.assertEqual(self.client.get(exercise.get_absolute_url()).status_code, 200)
        fill.assert_called_once_with((exercise.current_version_id,), queue="cpu-background",
                                     priority=settings.GRADER_URGENT_PRIORITY)
