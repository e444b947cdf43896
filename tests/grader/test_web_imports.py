import subprocess
import sys

from django.conf import settings

from grader import jobs, tasks
from torchgrade.celery import app


def test_the_web_process_never_imports_torch_or_the_tasks():
    """Serving pages and sending tasks must not load torch (1.4 s and ~400 MB per web process)."""
    program = (
        "import django, sys; django.setup();"
        "import torchgrade.urls, torchgrade.health, grader.jobs, grader.admin, staff.review, staff.views;"
        "from torchgrade.celery import app; app.finalize();"
        "print('torch' in sys.modules, 'grader.tasks' in sys.modules)"
    )
    env = {"DJANGO_SETTINGS_MODULE": "torchgrade.test_settings", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", program], cwd=settings.BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False False"


def test_the_site_sends_tasks_that_workers_run():
    """By the names grader.tasks registers (the site never imports it)."""
    sent = [value.name for value in vars(jobs).values() if isinstance(value, jobs.TaskByName)]
    assert len(sent) == 4
    for name in sent:
        assert app.tasks[name].__module__ == tasks.__name__, name
