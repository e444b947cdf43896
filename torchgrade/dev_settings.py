"""The developer defaults with a fast password hasher: for the test suite and the load bench,
where logging in hundreds of accounts should not measure PBKDF2."""

import os

os.environ.setdefault("TORCHGRADE_DEV", "1")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
