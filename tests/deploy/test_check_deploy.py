"""Production settings: `manage.py check --deploy` is clean with the variables compose passes."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "SECRET_KEY": "p5Vv0nJ1t9kqL2xYb8sRz4wQ7eHc3mTg6uAd0fNi9oKj2lPs5yXr",
    "DATABASE_URL": "postgres://torchgrade:pw@postgres:5432/torchgrade",
    "CELERY_BROKER_URL": "redis://redis:6379/0",
    "CACHE_URL": "redis://redis:6379/1",
    "ALLOWED_HOSTS": "grade.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://grade.example.org",
}


def manage(*arguments, **env):
    # Only what a container gets: nothing the test run itself set (TORCHGRADE_DEV, the browser
    # tests' DJANGO_ALLOW_ASYNC_UNSAFE) may leak in.
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DJANGO_SETTINGS_MODULE": "torchgrade.settings", **env},
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", **{k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"})
    assert result.returncode != 0
    assert "KeyError: 'SECRET_KEY'" in result.stderr


def test_production_settings_are_safe_by_default():
    script = ("from django.conf import settings as s; "
              "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
              "s.RATE_LIMIT_REQUESTS, s.CACHES['default']['BACKEND'].rsplit('.', 1)[1])")
    result = manage("shell", "-v", "0", "-c", script, **PRODUCTION)
    assert result.stdout.split() == ["False", "True", "True", "True", "600", "RedisCache"], result.stderr
