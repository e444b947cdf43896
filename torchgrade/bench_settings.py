"""Settings for bench/load_bench.py: the developer defaults with a fast password hasher, so that
logging in hundreds of simulated students measures the site rather than PBKDF2."""

import os

os.environ.setdefault("TORCHGRADE_DEV", "1")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
