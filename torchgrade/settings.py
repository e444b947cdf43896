"""Settings for torchgrade, driven by the environment.

The defaults are safe for production (DEBUG off, a secret key required) except where
`TORCHGRADE_DEV=1` says this is a developer's machine: bin/serve and the test suite set it.
"""

import os
import tempfile
from pathlib import Path

import dj_database_url

import sandbox

from .queues import default_prefix

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TORCHGRADE_VAR_DIR", BASE_DIR / "var"))


def env_flag(name, default=False):
    return os.environ.get(name, "1" if default else "0").lower() in ("1", "true", "yes", "on")


DEV = env_flag("TORCHGRADE_DEV")
DEBUG = env_flag("DEBUG", default=DEV)

if DEV:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-never-used-in-production")
else:
    SECRET_KEY = os.environ["SECRET_KEY"]

ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEV else "").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",  # so that FORM_RENDERER finds Django's own widget templates beside ours
    "django_htmx",
    "django_ace",  # serves the Ace editor's files from this site (no CDN)
    "accounts",
    "courses",
    "grader",
    "analysis",
    "runs",
    "similarity",
    "lti",
    "staff",
]

# Widgets render through the template engine, so templates/admin/widgets/ can label the admin's
# split date/time inputs.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "torchgrade.middleware.BodySizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "torchgrade.timezones.UserTimezoneMiddleware",
    "torchgrade.middleware.DatabaseUnavailableMiddleware",
    "torchgrade.middleware.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "lti.middleware.LtiFrameMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "torchgrade.urls"
WSGI_APPLICATION = "torchgrade.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Celery workers and the web process write at once: wait for the lock instead of failing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEV
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Production hardening; served over HTTPS behind a proxy that sets X-Forwarded-Proto.
if not DEV:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_flag("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    # Load balancers and container health checks probe over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    # Inside an LMS's iframe the site is third-party: its cookies must be sent cross-site.
    # CSRF tokens still protect every POST; frame-ancestors is set per platform (lti.middleware).
    SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = os.environ.get("COOKIE_SAMESITE", "None")
X_FRAME_OPTIONS = "DENY"
# LTI (lti/): the tool's private keys live in files here (mode 0600), never in the database.
LTI_KEY_DIR = Path(os.environ.get("LTI_KEY_DIR", VAR_DIR / "lti-keys"))

# Code submissions are small; a body larger than this is refused before a view sees it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

COURSE_CONTENT_DIR = BASE_DIR / "content"

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")

# Celery: a killed worker must neither lose nor double a grading (see grader/tasks.py).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 180
CELERY_TASK_SOFT_TIME_LIMIT = 150
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 600,  # above the hard time limit, or a long task runs twice
    "unacked_restore_throttle": 5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Each instance's queues are named after its database (torchgrade/queues.py): the beat's sweep
# goes to this default one.
GRADER_QUEUE_PREFIX = os.environ.get("GRADER_QUEUE_PREFIX") or default_prefix(DATABASES["default"])
CELERY_TASK_DEFAULT_QUEUE = f"{GRADER_QUEUE_PREFIX}cpu"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# A pool process is up once it answers; its sandbox starts after that (grader/worker.py), but
# on a busy machine even the fork and Django's set-up can outlast Celery's 4 s default, and a
# pool process killed for it leaves the pool one short.
CELERY_WORKER_PROC_ALIVE_TIMEOUT = float(os.environ.get("CELERY_WORKER_PROC_ALIVE_TIMEOUT", 60))
# Redis serves a queue's priority 0 first (kombu's steps: 0, 3, 6, 9). New work is sent at 3;
# the sweep, and the submissions it re-sends (they have waited already), at 0: neither waits
# behind a burst of new submissions.
CELERY_TASK_DEFAULT_PRIORITY = 3
GRADER_URGENT_PRIORITY = 0
GRADER_BACKGROUND_PRIORITY = 9  # work that may wait for idle time: filling the reference pool
CELERY_BEAT_SCHEDULE = {
    "requeue-stuck-submissions": {
        "task": "grader.tasks.requeue_stuck_submissions",
        "schedule": float(os.environ.get("GRADER_SWEEP_EVERY_S", 5)),
        "options": {"priority": GRADER_URGENT_PRIORITY},
    },
    # Scores an LMS has not taken yet: sent by a background worker, never on a grading one.
    "lti-send-pending-scores": {"task": "lti.tasks.send_pending_scores",
                                "schedule": float(os.environ.get("LTI_SWEEP_EVERY_S", 60)),
                                "options": {"queue": f"{GRADER_QUEUE_PREFIX}cpu-background",
                                            "priority": GRADER_BACKGROUND_PRIORITY}},
}

GRADER_MAX_RETRIES = 5
# Deliveries of one submission's task (sandbox retries and redeliveries after crashes) before
# it is failed without costing an attempt.
GRADER_MAX_DELIVERIES = GRADER_MAX_RETRIES + 3
GRADER_STUCK_AFTER_S = int(os.environ.get("GRADER_STUCK_AFTER_S", 60))
# A killed worker's running submissions are re-sent by the first sweep after its heartbeat is
# older than GRADER_WORKER_STALE_S: 20-25 s after the crash while beat runs.
GRADER_HEARTBEAT_EVERY_S = float(os.environ.get("GRADER_HEARTBEAT_EVERY_S", 5))
GRADER_WORKER_STALE_S = float(os.environ.get("GRADER_WORKER_STALE_S", 20))
# Each pool process runs a canary job on its sandbox this often; /readyz wants one that passed
# within GRADER_CANARY_STALE_S (a canary may wait behind a student's job for a free slot).
GRADER_CANARY_EVERY_S = float(os.environ.get("GRADER_CANARY_EVERY_S", 10))
GRADER_CANARY_STALE_S = float(os.environ.get("GRADER_CANARY_STALE_S", 60))
GRADER_MAX_CODE_BYTES = 64 * 1024
# Reference answers computed ahead per exercise version (grader/reference_pool.py): each serves one
# submission, so grading runs only the student's code; refilled in the background below half.
GRADER_REFERENCE_POOL_SIZE = int(os.environ.get("GRADER_REFERENCE_POOL_SIZE", 50))
SANDBOX_BACKEND = os.environ.get("SANDBOX_BACKEND", "forkserver")
# Jobs at once per Celery pool process (each has its own sandbox): by default the cores less one,
# at least one (sandbox.default_slots). A worker runs one pool process per core unless told
# otherwise (--concurrency), so a host runs concurrency x slots jobs at most: size them together.
SANDBOX_SLOTS = int(os.environ.get("SANDBOX_SLOTS", 0)) or sandbox.default_slots()
# Each slot's CPU weight among the sandbox's slots: a worker of background queues runs with
# SANDBOX_CPU_WEIGHT=background (bin/serve, docker/start.sh), so gradings get a busy core first.
SANDBOX_CPU_SHARES = {"grading": sandbox.cgroups.CPU_SHARES, "background": sandbox.cgroups.BACKGROUND_CPU_SHARES}[
    os.environ.get("SANDBOX_CPU_WEIGHT", "grading")]

# Prometheus metrics (torchgrade/metrics.py). The web's /metrics answers only to this bearer token
# (none set: 404). Each worker's main process serves its pool processes' figures on
# METRICS_WORKER_ADDRESS:METRICS_WORKER_PORT (no port: not served), an address for the inside
# network only; they are kept in a directory of METRICS_DIR per start of the worker.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_WORKER_ADDRESS = os.environ.get("METRICS_WORKER_ADDRESS", "127.0.0.1")
METRICS_WORKER_PORT = int(os.environ.get("METRICS_WORKER_PORT", 0))
METRICS_DIR = Path(os.environ.get("METRICS_DIR", Path(tempfile.gettempdir()) / "torchgrade-metrics"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"structured": {"()": "torchgrade.logging.StructuredFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "loggers": {"torchgrade": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}

# A persistent connection that died with the database (a restart, a failover) is replaced at the
# start of the next request instead of failing it.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Requests per user (or per IP address when logged out) per window; beyond it, 429. The default
# leaves room for browsing while several htmx status fragments poll once a second. 0 disables;
# off by default on a developer's machine, where the test suite's clients all share one address.
RATE_LIMIT_REQUESTS = int(os.environ.get("RATE_LIMIT_REQUESTS", 0 if DEV else 600))
RATE_LIMIT_WINDOW_S = int(os.environ.get("RATE_LIMIT_WINDOW_S", 60))
# Behind a reverse proxy every visitor has the proxy's address: name the header it sets
# (e.g. HTTP_X_FORWARDED_FOR) so logged-out visitors are counted one by one.
RATE_LIMIT_IP_HEADER = os.environ.get("RATE_LIMIT_IP_HEADER", "")
# The rate limit's counters must be shared by every web process: Redis in production.
if os.environ.get("CACHE_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": os.environ["CACHE_URL"]}}
