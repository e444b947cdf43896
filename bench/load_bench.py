"""Load: students using the site through gunicorn while Celery workers grade a burst.

Starts gunicorn, --workers Celery workers for gradings (concurrency 1 each, named as hosts
host0, host1...: separate workers that share only the broker and the database, as worker hosts
would) and one for background work (as bin/serve starts it) on loopback, fills the exercise's
reference pool (unless --no-pool), imports the bundled
course into its own PostgreSQL database `torchgrade_load` (created and dropped here) with Redis
database 13, then runs two kinds of simulated students at once:
- readers (default 50, each its own thread and account): log in, answer a quiz, submit the
  exercise, then until the burst is graded read a chapter every 1-3 s and poll the status of
  their own submission once a second until it is graded;
- the burst (default 500 students): each logs in and submits a correct answer (one of the
  exercise's alternatives/, not the reference's own text, which validation grades in one job).
With --import-during-burst, a copy of the bundled course under another slug (20 new exercises,
each validated and given a reference pool on the background worker) is imported, with
validation, as the burst starts.
Prints requests/s and p50/p99 latency per kind of page, gradings/s, the maximum queue depth,
the burst's submit-to-graded p50/p95 and longest queue wait, and whether every submission
reached a final state exactly once. Stops by itself (--max-seconds).
Passwords use the test suite's fast hasher, so logging in 550 accounts does not dominate the run.

    /opt/torchgrade/venv/bin/python bench/load_bench.py [--readers 50] [--burst 500] [--workers 2] [--no-pool]
        [--import-during-burst]
"""

import argparse
import http.client
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATABASE = "torchgrade_load"

from common import CpuAccount, drop_database, recreate_database, stop_group  # noqa: E402 - bench/ is the script's own folder

from torchgrade.stats import percentile  # noqa: E402
PORT = 8765
PASSWORD = "load-bench-password"
# Between two page views a reader reads for a while (a real one reads for minutes): 50 readers
# ask for about 25 pages a second, plus their status polls.
THINK_S = (1.0, 3.0)
EXERCISE = "outer-product"
IMPORTED_SLUG = "pytorch-essentials-again"  # --import-during-burst  # chapter 3's exercise: value checks on fixed and random inputs


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)
        self.errors = defaultdict(int)
        self.burst_arriving = False

    def add(self, kind, seconds, ok):
        with self.lock:
            if kind == "chapter":  # split by phase: while the burst arrives, then while it is graded
                kind = "chapter (burst arriving)" if self.burst_arriving else "chapter (grading only)"
            self.latencies[kind].append(seconds)
            if not ok:
                self.errors[kind] += 1


class Student:
    """One browser: a keep-alive connection, a cookie jar, and a cache that revalidates what came
    with an ETag (as a browser does with a `no-cache` response: If-None-Match, then 304 or 200)."""

    def __init__(self, recorder):
        self.connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        self.cookies = {}
        self.etags = {}
        self.recorder = recorder

    def request(self, kind, method, path, form=None, expect=(200,)):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if method == "GET" and path in self.etags:
            headers["If-None-Match"] = self.etags[path]
        body = None
        if form is not None:
            form = {**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{PORT}{path}"
        started = time.monotonic()
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        content = response.read().decode("utf-8", errors="replace")
        self.recorder.add(kind, time.monotonic() - started, response.status in expect)
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
            elif header.lower() == "etag" and method == "GET":
                self.etags[path] = value
        return response, content

    def log_in(self, username):
        self.request("login page", "GET", "/accounts/login/")
        response, _ = self.request("log in", "POST", "/accounts/login/",
                                   {"username": username, "password": PASSWORD}, expect=(302,))
        assert response.status == 302, f"{username} could not log in"

    def submit(self, exercise_url, code):
        response, _ = self.request("submit", "POST", exercise_url, {"code": code}, expect=(302,))
        location = response.getheader("Location") or ""
        match = re.search(r"/submissions/(\d+)/", location)
        assert match, f"the submission was refused ({response.status})"
        return int(match.group(1))


def start(command, log_name):
    log = open(ROOT / "var" / log_name, "w")
    return subprocess.Popen(command, cwd=ROOT, env=os.environ, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--burst", type=int, default=500)
    parser.add_argument("--max-seconds", type=float, default=420)
    parser.add_argument("--workers", type=int, default=2, help="Celery workers, each as if on its own host")
    parser.add_argument("--no-pool", action="store_true", help="no reference answers computed ahead")
    parser.add_argument("--import-during-burst", action="store_true",
                        help="import a 20-exercise course, with validation, as the burst starts")
    args = parser.parse_args()
    pool_size = 0 if args.no_pool else args.readers + args.burst + 10
    began = time.monotonic()

    from torchgrade.broker import ensure_broker, with_database

    broker_url = with_database(ensure_broker(), 13)
    database_url = recreate_database(DATABASE)
    os.environ.update({
        "TORCHGRADE_DEV": "1", "DEBUG": "0", "DJANGO_SETTINGS_MODULE": "torchgrade.dev_settings",
        "DATABASE_URL": database_url, "CELERY_BROKER_URL": broker_url,
        "RATE_LIMIT_REQUESTS": "0", "GRADER_REFERENCE_POOL_SIZE": str(pool_size),
    })
    (ROOT / "var").mkdir(exist_ok=True)
    processes = []
    try:
        import django

        django.setup()
        from django.contrib.auth.hashers import make_password
        from django.contrib.auth.models import User
        from django.core.management import call_command
        from django.db import connections

        from courses.models import Chapter
        from grader.jobs import fill_reference_pool, queue_length
        from grader.models import Exercise, ExerciseValidation, Grade, ReferenceAnswers, Submission, WorkerHeartbeat
        from torchgrade.celery import app as celery_app
        from torchgrade.queues import broker_queue

        call_command("migrate", verbosity=0)
        call_command("import_course", str(ROOT / "content" / "pytorch-essentials"), verbosity=0)
        password = make_password(PASSWORD)
        names = [f"reader{i}" for i in range(args.readers)] + [f"burst{i}" for i in range(args.burst)]
        User.objects.bulk_create(User(username=name, password=password) for name in names)
        chapters = [c.get_absolute_url() for c in Chapter.objects.filter(published=True, retired=False)]
        quiz_chapter = Chapter.objects.filter(questions__isnull=False).distinct().first()
        quiz = {"url": f"{quiz_chapter.get_absolute_url()}quiz/",
                "answer": {q.key: q.options.first().key for q in quiz_chapter.questions.all()}}
        exercise = Exercise.objects.select_related("current_version").get(slug=EXERCISE)
        spec = exercise.current_version.spec
        solution = next(code for name, code in sorted(spec.selftests.items()) if name.startswith("alternatives/"))
        with celery_app.connection_for_write() as connection:
            for kind in ("cpu", "cpu-background"):
                connection.default_channel.queue_purge(broker_queue(kind))  # every priority's list

        processes.append(start([sys.executable, "-m", "gunicorn", "torchgrade.wsgi", "--bind", f"127.0.0.1:{PORT}",
                                "--workers", "2", "--threads", "8", "--worker-class", "gthread",
                                "--keep-alive", "30"], "load_bench_gunicorn.log"))
        # Workers run at a lower CPU priority, so on a shared host the pages stay fast while
        # gradings queue (on separate worker hosts this does not matter).
        for n in range(args.workers):
            processes.append(start(["nice", "-n", "10", sys.executable, "-m", "celery", "-A", "torchgrade", "worker", "-Q", broker_queue("cpu"),
                                    "--concurrency", "1", "-n", f"load@host{n}", "--without-gossip",
                                    "--without-mingle", "--loglevel", "WARNING"], f"load_bench_worker{n}.log"))
        # Background work (the pool's fills, validations) on a worker of its own, as bin/serve runs it.
        processes.append(start(["env", "SANDBOX_SLOTS=1", "SANDBOX_CPU_WEIGHT=background", "nice", "-n", "10",
                                sys.executable, "-m", "celery", "-A", "torchgrade", "worker", "-Q",
                                broker_queue("cpu-background"), "--concurrency", "1", "-n", "load@background",
                                "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
                               "load_bench_background_worker.log"))
        while WorkerHeartbeat.objects.filter(canary_ok=True).count() < args.workers + 1:  # each with its sandbox
            if time.monotonic() - began > 180 or any(p.poll() is not None for p in processes):
                sys.exit("gunicorn or a worker did not start; see var/load_bench_*.log")
            time.sleep(0.2)
        if pool_size:
            fill_reference_pool(exercise.current_version_id, "cpu")
            while ReferenceAnswers.unclaimed(exercise.current_version).count() < pool_size:
                if time.monotonic() - began > args.max_seconds:
                    sys.exit("the reference pool did not fill")
                time.sleep(0.5)
        print(f"ready in {time.monotonic() - began:.1f} s: gunicorn (2 processes x 8 threads), "
              f"{args.workers} Celery workers, {len(chapters)} chapters, exercise {exercise.get_absolute_url()}, "
              + (f"reference pool of {pool_size} filled" if pool_size else "no reference pool"))

        recorder = Recorder()
        burst_done = threading.Event()
        deadline = time.monotonic() + args.max_seconds
        depth = {"max": 0}

        def import_a_course():
            """The bundled course again, under another slug: 20 new exercises to validate and fill pools for."""
            with tempfile.TemporaryDirectory() as folder:
                copy = Path(folder) / IMPORTED_SLUG
                shutil.copytree(ROOT / "content" / "pytorch-essentials", copy)
                course_yaml = copy / "course.yaml"
                course_yaml.write_text(course_yaml.read_text().replace("slug: pytorch-essentials",
                                                                       f"slug: {IMPORTED_SLUG}", 1))
                call_command("import_course", str(copy), validate=True, verbosity=0)
            connections.close_all()

        def watch_queue():
            while not burst_done.is_set():
                depth["max"] = max(depth["max"], queue_length("cpu"))
                time.sleep(0.1)

        def reader(i):
            student = Student(recorder)
            student.log_in(f"reader{i}")
            student.request("quiz", "GET", quiz["url"])
            student.request("quiz answer", "POST", quiz["url"], quiz["answer"], expect=(200, 302))
            mine = student.submit(exercise.get_absolute_url(), solution)
            finished = False
            next_poll = time.monotonic()
            while not burst_done.is_set() and time.monotonic() < deadline:
                student.request("chapter", "GET", random.choice(chapters))
                if not finished and time.monotonic() >= next_poll:
                    response, fragment = student.request("status poll", "GET", f"/submissions/{mine}/status/",
                                                         expect=(200, 304))
                    finished = response.status == 200 and "hx-trigger" not in fragment
                    next_poll = time.monotonic() + 1
                time.sleep(random.uniform(*THINK_S))
            return mine

        def submitter(i):
            student = Student(recorder)
            student.log_in(f"burst{i}")
            return student.submit(exercise.get_absolute_url(), solution)

        watcher = threading.Thread(target=watch_queue, daemon=True)
        watcher.start()
        with ThreadPoolExecutor(args.readers) as readers_pool:
            readers = [readers_pool.submit(reader, i) for i in range(args.readers)]
            time.sleep(2)  # readers are logged in and reading before the burst lands
            burst_started, arrival_cpu = time.monotonic(), CpuAccount().start()
            importing = threading.Thread(target=import_a_course) if args.import_during_burst else None
            if importing:
                importing.start()
            recorder.burst_arriving = True
            with ThreadPoolExecutor(16) as burst_pool:
                burst_ids = list(burst_pool.map(submitter, range(args.burst)))
            recorder.burst_arriving = False
            arrival_cpu.stop()
            submitted_s = time.monotonic() - burst_started
            ids = set(burst_ids)
            while Submission.objects.filter(pk__in=ids).exclude(status__in=["graded", "error"]).exists():
                if time.monotonic() > deadline:
                    print("time limit reached before every submission was graded")
                    break
                time.sleep(0.2)
            graded_s = time.monotonic() - burst_started
            burst_done.set()
            reader_ids = {future.result() for future in readers}

        if importing:
            importing.join()
        every = ids | reader_ids
        final = Submission.objects.filter(pk__in=every, status__in=["graded", "error"]).count()
        grades = Grade.objects.filter(submission__in=every).count()
        full_marks = Grade.objects.filter(submission__in=every, score=exercise.current_version.max_score).count()
        print(f"burst: {len(ids)} submissions sent in {submitted_s:.1f} s, all graded after {graded_s:.1f} s: "
              f"{len(ids) / graded_s:.1f} gradings/s with {args.workers} workers; max queue depth {depth['max']}")
        burst = Submission.objects.filter(pk__in=ids, status="graded")
        to_graded = [(s.finished_at - s.created_at).total_seconds() for s in burst]
        waits = [(s.started_at - s.enqueued_at).total_seconds() for s in burst if s.started_at and s.enqueued_at]
        print(f"burst submit to graded: p50 {statistics.median(to_graded):.2f} s, p95 {percentile(to_graded, 95):.2f} s; "
              f"longest queue wait {max(waits):.2f} s (wait from its last queueing to a worker's claim)")
        if importing:
            validations = ExerciseValidation.objects.filter(version__exercise__chapter__course__slug=IMPORTED_SLUG)
            print(f"the import during the burst: {validations.exclude(status='pending').count()} of "
                  f"{validations.count()} validations finished by the end of the burst's grading, "
                  f"{ReferenceAnswers.objects.filter(version__exercise__chapter__course__slug=IMPORTED_SLUG).count()} "
                  f"reference answers stored for its exercises")
        print(f"final states: {final}/{len(every)} submissions graded or failed; {grades} grades "
              f"({'none lost or duplicated' if final == grades == len(every) else 'LOST OR DUPLICATED'}); "
              f"{full_marks} with full marks")
        window = graded_s
        print(f"page views while grading ran ({window:.1f} s, {args.readers} readers, "
              f"{THINK_S[0]:g}-{THINK_S[1]:g} s between pages):")
        for kind, values in sorted(recorder.latencies.items()):
            print(f"  {kind:24} {len(values):6} requests {len(values) / window:7.1f}/s  "
                  f"p50 {1000 * statistics.median(values):6.1f} ms  p99 {1000 * percentile(values, 99):6.1f} ms  "
                  f"errors {recorder.errors[kind]}")
        for kind, target in (("chapter (grading only)", 100), ("chapter (burst arriving)", 100), ("submit", 300)):
            print(f"{kind} p99: {1000 * percentile(recorder.latencies[kind], 99):.1f} ms (target < {target} ms)")
        print(f"while the burst arrived ({submitted_s:.1f} s; this bench is the load generator: its students' "
              f"log-ins, submits and page views)")
        print(arrival_cpu.report(len(ids), "submission sent"))
    finally:
        for process in processes:
            stop_group(process)
        from django.db import connections

        connections.close_all()
        drop_database(DATABASE)


if __name__ == "__main__":
    main()
