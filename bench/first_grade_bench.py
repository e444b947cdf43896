"""The first grade after a fresh start: what a newcomer meets in the first minute of `bin/serve`.

Clones the committed checkout into an empty folder, runs its `bin/serve` (SQLite, the broker's
database 13, the bundled course imported and its 20 exercises queued for validation and
reference-pool fills), and the moment a page first answers, logs in as the demo student and
submits a correct answer (one of its alternatives) to a function exercise; then to another
every `--every` seconds while the start-up work goes on. Prints when the site answered, how long
each grade took from its submission (the first also from the first page load), and how much
start-up work was pending. Everything it started is stopped by its process group. Figures are
printed, never asserted.

    /opt/torchgrade/venv/bin/python bench/first_grade_bench.py [--commit REV] [--submissions 6] [--every 10]

`--commit` measures another commit (the clone is checked out there), for figures before and after a change.
"""

import argparse
import http.cookiejar
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from common import stop_group  # noqa: E402 - bench/ is the script's own folder

ROOT = Path(__file__).resolve().parents[1]
# Function exercises (chapter, exercise, a correct alternative: not the reference's own text), in the order submitted.
EXERCISES = [("tensors", "outer-product", "broadcast_multiply.py"), ("tensors", "column-grid", "broadcast_formula.py"),
             ("tensors", "pairwise-distances", "matmul_expansion.py"), ("autograd", "square-gradient", "backward_with_ones.py"),
             ("nn-module", "stable-softmax", "amax_and_exp_method.py"), ("loss-and-optimizers", "mse-by-hand", "table_of_reductions.py"),
             ("applications", "q-learning-targets", "mask_arithmetic.py"), ("autograd", "neuron-gradients", "exp_ratio.py")]


class Browser:
    def __init__(self, base):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path):
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.geturl(), response.read().decode()

    def post(self, path, form):
        token = next((c.value for c in self.cookies if c.name == "csrftoken"), "")
        data = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(self.base + path, data=data, headers={"Referer": self.base + path})
        with self.opener.open(request, timeout=30) as response:
            return response.geturl(), response.read().decode()


def pending_background_work(database):
    """Validations still pending, and reference answers stored so far."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as connection:
        pending = connection.execute("SELECT count(*) FROM grader_exercisevalidation WHERE status = 'pending'").fetchone()
        stored = connection.execute("SELECT count(*) FROM grader_referenceanswers").fetchone()
    return f"{pending[0]} validations pending, {stored[0]} reference answers stored"


def grade(browser, clone, chapter, slug, alternative, database, first_page, max_seconds):
    """Open the exercise, submit the alternative, wait for its grade and print the figures."""
    url = f"/courses/pytorch-essentials/{chapter}/exercises/{slug}/"
    answer = next((clone / "content").glob(f"*/*/exercises/{slug}/alternatives/{alternative}")).read_text()
    browser.get(url)
    submitted = time.monotonic()
    landed, _ = browser.post(url, {"code": answer})
    submission = re.search(r"/submissions/(\d+)/$", landed)
    assert submission, f"the submission was refused: {landed}"
    pending = pending_background_work(database)
    while "hx-trigger" in (fragment := browser.get(f"/submissions/{submission.group(1)}/status/")[1]):
        if time.monotonic() - submitted > max_seconds:
            sys.exit(f"{slug} was not graded")
        time.sleep(0.05)
    graded = time.monotonic()
    score = re.search(r"(\d+(?:\.\d+)?) */ *(\d+(?:\.\d+)?)", fragment)
    since_first = f", {graded - first_page:.2f} s after the first page load" if first_page else ""
    print(f"  {slug}: graded {graded - submitted:.2f} s after its submission{since_first} "
          f"({score.group(0) if score else 'score not found'}); when submitted: {pending}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--commit", default="HEAD")
    parser.add_argument("--submissions", type=int, default=6, choices=range(1, len(EXERCISES) + 1))
    parser.add_argument("--every", type=float, default=10, help="seconds between two submissions")
    parser.add_argument("--max-seconds", type=float, default=600)
    args = parser.parse_args()
    port = 20000 + os.getpid() % 20000
    with tempfile.TemporaryDirectory() as folder:
        clone = Path(folder) / "torchgrade"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        subprocess.run(["git", "-C", str(clone), "checkout", "-q", args.commit], check=True)
        log = open(Path(folder) / "serve.log", "w")
        env = {**os.environ, "PORT": str(port), "CELERY_BROKER_URL": "redis://127.0.0.1:6379/13"}
        env.pop("DATABASE_URL", None)
        started = time.monotonic()
        serve = subprocess.Popen(["bin/serve"], cwd=clone, env=env, stdout=log, stderr=subprocess.STDOUT,
                                 start_new_session=True)
        try:
            browser = Browser(f"http://127.0.0.1:{port}")
            while True:
                if serve.poll() is not None or time.monotonic() - started > args.max_seconds:
                    sys.exit(f"bin/serve did not answer; see {log.name}:\n" + Path(log.name).read_text()[-3000:])
                try:
                    browser.get("/accounts/login/")
                    break
                except (urllib.error.URLError, ConnectionError):
                    time.sleep(0.05)
            first_page = time.monotonic()
            print(f"bin/serve answered its first page {first_page - started:.1f} s after it started "
                  f"(set-up, migrations, the course's import)")
            landed, _ = browser.post("/accounts/login/", {"username": "student", "password": "learn-pytorch"})
            assert "/accounts/login/" not in landed, "the demo student could not log in"
            database = clone / "var" / "db.sqlite3"
            for number, (chapter, slug, alternative) in enumerate(EXERCISES[:args.submissions]):
                time.sleep(max(0.0, first_page + number * args.every - time.monotonic()))
                grade(browser, clone, chapter, slug, alternative, database, first_page if number == 0 else None,
                      args.max_seconds)
        finally:
            stop_group(serve)
            log.close()


if __name__ == "__main__":
    main()
