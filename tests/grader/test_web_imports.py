import subprocess
import sys

from django.conf import settings


def test_the_web_process_never_imports_torch():
    """Serving pages and sending tasks must not load torch (1.4 s and ~400 MB per web process)."""
    program = (
        "import django, sys; django.setup();"
        "import torchgrade.urls, torchgrade.health, grader.tasks, grader.admin, grader.review, staff.views;"
        "print('torch' in sys.modules)"
    )
    env = {"DJANGO_SETTINGS_MODULE": "torchgrade.test_settings", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", program], cwd=settings.BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
