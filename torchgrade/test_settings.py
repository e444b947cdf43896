"""Settings for the test suite: the developer defaults plus fast password hashing."""

import os

os.environ.setdefault("TORCHGRADE_DEV", "1")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
