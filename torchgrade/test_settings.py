"""Settings for the test suite: the developer defaults plus fast password hashing."""

import os
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("TORCHGRADE_DEV", "1")

from .settings import *  # noqa: E402,F403
from .settings import CELERY_BROKER_URL as _BROKER  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tests use database 15 of the broker, so a developer's own worker never takes a test's task.
# Celery reads CELERY_BROKER_URL from the environment before its configuration: drop it, or
# the test process would send to one database while its test workers listen on another.
CELERY_BROKER_URL = urlunsplit(urlsplit(os.environ.pop("CELERY_BROKER_URL", _BROKER))._replace(path="/15"))
