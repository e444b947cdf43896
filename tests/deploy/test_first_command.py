"""The README's first command, `bin/serve`, from a fresh clone: a newcomer's whole first visit.

Clones the committed repository into an empty folder, runs `PORT=<free port> bin/serve` there
(with nothing created by hand: its SQLite database, broker files and logs go into the clone's
var/), waits for /readyz, signs in as the demo student, submits an exercise's reference solution
through the form, sees it graded with full marks, and stops everything it started.
"""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from torchgrade.broker import with_database

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[2]
EXERCISE = "03-tensors/exercises/outer-product"
EXERCISE_URL = "/courses/pytorch-essentials/tensors/exercises/outer-product/"
# A database of the broker that neither a developer's own worker (0) nor the test workers use.
BROKER_DATABASE = 9


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Browser:
    """Just enough of a browser: cookies, Django's CSRF token, redirects followed."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path):
        with self.opener.open(self.base_url + path, timeout=30) as response:
            return response.status, response.read().decode()

    def post_form(self, path, fields):
        page = self.get(path)[1]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
        request = urllib.request.Request(self.base_url + path, data=data, headers={"Referer": self.base_url + path})
        with self.opener.open(request, timeout=30) as response:
            return response.url, response.read().decode()


def wait_until_ready(base_url, server, log, timeout=420):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, f"bin/serve exited with {server.returncode}:\n{log.read_text()[-3000:]}"
        try:
            with urllib.request.urlopen(base_url + "/readyz", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(1)
    pytest.fail(f"/readyz never answered ready:\n{log.read_text()[-3000:]}")


def stop(server):
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            return
        try:
            server.wait(timeout=15)
            return
        except subprocess.TimeoutExpired:
            continue


def test_a_fresh_clone_serves_the_course_and_grades_a_submission(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=120)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {name: value for name, value in os.environ.items()
           if name not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "TORCHGRADE_DEV")}
    env.update(PORT=str(port), CELERY_BROKER_URL=with_database(settings.CELERY_BROKER_URL, BROKER_DATABASE))
    log = tmp_path / "serve.log"
    with open(log, "w") as output:
        server = subprocess.Popen(["bin/serve"], cwd=clone, env=env, stdout=output, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_until_ready(base_url, server, log)
        browser = Browser(base_url)
        landed, _ = browser.post_form("/accounts/login/", {"username": "student", "password": "learn-pytorch"})
        assert "/accounts/login/" not in landed, "the demo student could not sign in"
        solution = (clone / "content/pytorch-essentials" / EXERCISE / "solution.py").read_text()
        landed, _ = browser.post_form(EXERCISE_URL, {"code": solution})
        submission = re.search(r"/submissions/(\d+)/$", landed)
        assert submission, f"submitting did not lead to the submission page but to {landed}"
        status_url = f"/submissions/{submission.group(1)}/status/"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            fragment = browser.get(status_url)[1]
            if "hx-trigger" not in fragment:  # the fragment stops polling once the submission is finished
                break
            time.sleep(1)
        assert "full marks" in fragment, fragment
        assert "badge bad" not in fragment
    finally:
        stop(server)
    assert (clone / "var" / "db.sqlite3").exists()
    assert not processes_in(clone), f"processes started in the clone still run: {processes_in(clone)}"


def processes_in(folder: Path) -> list[int]:
    """Pids whose working directory is inside `folder` (bin/serve, the worker, its pool, the server)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and Path(os.readlink(entry / "cwd")).is_relative_to(folder):
                found.append(int(entry.name))
        except OSError:
            continue
    return found
