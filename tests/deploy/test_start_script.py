"""docker/start.sh, run outside Docker: what a container does before it serves anything."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import dj_database_url
import pytest
from django.conf import settings

from grader.models import WorkerHeartbeat
from tests.workers import database_url, wait_for
from torchgrade.queues import default_prefix

ROOT = Path(__file__).resolve().parents[2]
START = ROOT / "docker" / "start.sh"


def start_env(**env):
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "TORCHGRADE_DEV")}
    return {**base, "PYTHON": sys.executable, "SECRET_KEY": "test-only-key", **env}


def run_start(role, timeout=30, **env):
    return subprocess.run([str(START), role], env=start_env(**env), capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("missing", ["CELERY_BROKER_URL", "DATABASE_URL"])
def test_it_refuses_to_start_without_the_broker_or_the_database(missing):
    env = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x", "CELERY_BROKER_URL": "redis://127.0.0.1:6379/15"}
    del env[missing]
    result = run_start("worker", **env)
    assert result.returncode == 78
    assert f"{missing} is not set; refusing to start the worker" in result.stderr


def test_it_refuses_an_unknown_role():
    result = run_start("webserver")
    assert result.returncode == 64 and "usage:" in result.stderr


def test_it_waits_for_the_database_then_gives_up_without_starting_anything():
    result = run_start("worker", DATABASE_URL="postgres://postgres@127.0.0.1:9/torchgrade",
                       CELERY_BROKER_URL="redis://127.0.0.1:6379/15", WAIT_TIMEOUT_S="1")
    assert result.returncode == 1
    assert "gave up after 1 s; not answering: database" in result.stderr
    assert "OK" not in result.stdout  # the sandbox check never ran, nor did celery


@pytest.mark.e2e
@pytest.mark.slow
def test_a_worker_checks_its_sandbox_then_becomes_celery_on_its_queue(transactional_db, tmp_path):
    log = tmp_path / "worker.log"
    with open(log, "w") as output:
        process = subprocess.Popen(
            [str(START), "worker"], stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
            env=start_env(DJANGO_SETTINGS_MODULE="torchgrade.test_settings", DATABASE_URL=database_url(),
                          CELERY_BROKER_URL=settings.CELERY_BROKER_URL, WORKER_QUEUES="gpu", WORKER_NAME="start-sh@e2e",
                          WORKER_CONCURRENCY="1", GRADER_HEARTBEAT_EVERY_S="1"),
        )
    try:
        wait_for(lambda: WorkerHeartbeat.objects.filter(hostname="start-sh@e2e").exists(), 90, "the worker")
        assert WorkerHeartbeat.objects.get(hostname="start-sh@e2e").queues == ["gpu"]
        # exec: the script's own process is now the Celery worker, so signals reach Celery.
        argv = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
        assert argv[1:6] == [b"-m", b"celery", b"-A", b"torchgrade", b"worker"]
        # the broker's name of the gpu queue for the worker's database (torchgrade/queues.py)
        queue = default_prefix(dj_database_url.parse(database_url())) + "gpu"
        assert argv[argv.index(b"--queues") + 1] == queue.encode()
        assert log.read_text().splitlines()[0] == "OK"  # `python -m sandbox check` ran first
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
