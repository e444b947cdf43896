"""Settings for the test suite: dev_settings with the broker's database 15.

Database 15 keeps a developer's own worker from taking a test's task (TEST_BROKER_DATABASE picks
another, so that two test runs on one machine never take each other's tasks). Celery reads
CELERY_BROKER_URL from the environment before its configuration: it is dropped here, or the
test process would send to one database while its test workers listen on another.
"""

import os

from .broker import with_database
from .dev_settings import *  # noqa: F403
from .dev_settings import CELERY_BROKER_URL as _BROKER

CELERY_BROKER_URL = with_database(os.environ.pop("CELERY_BROKER_URL", _BROKER),
                                  int(os.environ.get("TEST_BROKER_DATABASE", 15)))
