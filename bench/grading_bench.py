"""Grading through the real pipeline: Submission.create_for -> Redis -> Celery worker -> sandbox -> Grade.

Prints p50/p95 submit-to-graded latency (one submission at a time) and gradings per second (a
burst), with one worker at its default concurrency (the number of cores). Uses its own database
(PostgreSQL `torchgrade_bench` if PostgreSQL answers on 127.0.0.1:5432, else var/bench.sqlite3)
and Redis database 14. Figures are printed, never asserted.

    /opt/torchgrade/venv/bin/python bench/grading_bench.py [--latency-runs 30] [--burst 60] [--modes before after]

The students submit a correct answer that is not the reference's own text, to an exercise with
an api check (so the api rules' run-time record and static checks are part of the figures). Both modes run by
default, each with a worker of its own: "before" without reference answers computed ahead (the
reference runs beside the student's code, as when the pool is empty: three jobs per grading),
"after" with the reference pool filled first, so that each grading runs only the student's code
(its visible and hidden checks' jobs).
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import CpuAccount, recreate_database  # noqa: E402 - bench/ is the script's own folder

from torchgrade.stats import percentile  # noqa: E402

EXERCISE_YAML = """
title: Add one
entry: {function: add_one}
limits: {wall_s: 10, memory_mb: 512}
checks:
  - {kind: value, name: Example, points: 1, cases: [{args: [{tensor: [1.0, 2.0]}]}]}
  - {kind: value, name: Random, points: 1, hidden: true, random: {count: 2, args: [{randn: [8]}]}}
  - {kind: api, name: No torch.outer, points: 1, forbid: [torch.outer]}
"""
SOLUTION = "def add_one(x):\n    return x + 1\n"
# What the students submit: right, but not the reference's own text (which validation grades in one job).
STUDENT_CODE = "def add_one(x):\n    return 1 + x\n"


def choose_database():
    import psycopg

    try:
        return recreate_database("torchgrade_bench", connect_timeout=2)
    except psycopg.OperationalError:
        path = ROOT / "var" / "bench.sqlite3"
        path.parent.mkdir(exist_ok=True)
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"


MODES = {
    "before": "no reference pool: the reference runs beside each student's code",
    "after": "reference pool: each grading runs only the student's code",
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency-runs", type=int, default=30)
    parser.add_argument("--burst", type=int, default=60)
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES),
                        help="before: no reference answers computed ahead; after: the reference pool (default: both)")
    args = parser.parse_args()
    pool_size = args.latency_runs + args.burst + 2

    from torchgrade.broker import ensure_broker, with_database

    os.environ.update({
        "TORCHGRADE_DEV": "1",
        "DJANGO_SETTINGS_MODULE": "torchgrade.settings",
        "DATABASE_URL": choose_database(),
        "CELERY_BROKER_URL": with_database(ensure_broker(), 14),
        "GRADER_REFERENCE_POOL_SIZE": str(pool_size),
    })
    import django

    django.setup()
    import yaml
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from courses.loader import Problems, _LineLoader
    from courses.models import Chapter, Course
    from grader import jobs
    from grader.models import Exercise, ReferenceAnswers, Submission, WorkerHeartbeat
    from judging.reader import read_spec
    from torchgrade.celery import app
    from torchgrade.queues import broker_queue

    call_command("migrate", verbosity=0)
    course = Course.objects.create(slug="bench", title="Bench")
    chapter = Chapter.objects.create(course=course, slug="c", position=1, title="C", body="x")
    spec = read_spec("exercise.yaml", yaml.load(EXERCISE_YAML, Loader=_LineLoader), Problems())
    exercise = Exercise.objects.create(chapter=chapter, slug="add-one", title="Add one", prompt="-", starter_code="")
    exercise.set_version(spec, EXERCISE_YAML, SOLUTION)
    users = [User.objects.create_user(f"student{i}") for i in range(max(args.burst, 1))]
    with app.connection_for_write() as connection:
        for kind in ("cpu", "cpu-background"):
            connection.default_channel.queue_purge(broker_queue(kind))
    queues = f"{broker_queue('cpu')},{broker_queue('cpu-background')}"
    (ROOT / "var").mkdir(exist_ok=True)

    def start_worker(mode):
        """A worker whose pool is off (size 0: nothing is filled) before, and on after."""
        WorkerHeartbeat.objects.all().delete()
        log = open(ROOT / "var" / f"grading_bench_worker_{mode}.log", "w")
        env = {**os.environ, "GRADER_REFERENCE_POOL_SIZE": str(pool_size if mode == "after" else 0)}
        return log, subprocess.Popen(
            # the pool's fills are background work: before the measurements, on the same worker here
            [sys.executable, "-m", "celery", "-A", "torchgrade", "worker", "-Q", queues, "-n", "bench@%h",
             "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def prepare(mode, log, worker):
        started = time.monotonic()
        while not WorkerHeartbeat.objects.filter(canary_ok=True).exists():  # its sandbox started
            if worker.poll() is not None or time.monotonic() - started > 120:
                sys.exit(f"the worker did not start; see {log.name}")
            time.sleep(0.2)
        print(f"{mode}, {MODES[mode]}: worker ready in {time.monotonic() - started:.1f} s "
              f"(concurrency {os.cpu_count()}), database {os.environ['DATABASE_URL'].split(':')[0]}")
        if mode == "after":
            filling = time.monotonic()
            # The task itself: fill_reference_pool is throttled, and the "before" run has just asked.
            jobs.fill_reference_pool_task.apply_async((exercise.current_version_id,), queue="cpu")
            while ReferenceAnswers.unclaimed(exercise.current_version).count() < pool_size:
                if time.monotonic() - filling > 300:
                    sys.exit(f"the reference pool did not fill; see {log.name}")
                time.sleep(0.2)
            print(f"  reference pool of {pool_size} filled in {time.monotonic() - filling:.1f} s")

    def wait_graded(ids, poll_s=0.005, timeout=300):
        deadline = time.monotonic() + timeout
        while Submission.objects.filter(pk__in=ids).exclude(status__in=["graded", "error"]).exists():
            if time.monotonic() > deadline:
                sys.exit("timed out waiting for gradings")
            time.sleep(poll_s)

    def measure(mode):
        for warm in range(2):  # one grading per pool process, so that both have served a task before the timing
            wait_graded([Submission.create_for(users[warm], exercise, STUDENT_CODE).pk])

        latencies = []
        for i in range(args.latency_runs):
            submission = Submission.create_for(users[i % len(users)], exercise, STUDENT_CODE)
            wait_graded([submission.pk])
            submission.refresh_from_db()
            latencies.append((submission.finished_at - submission.created_at).total_seconds())

        burst_started, cpu = time.monotonic(), CpuAccount().start()
        ids = [Submission.create_for(user, exercise, STUDENT_CODE).pk for user in users[: args.burst]]
        wait_graded(ids, poll_s=0.05)  # a slower poll leaves the worker the CPU it would take
        burst_s = time.monotonic() - burst_started
        cpu.stop()
        graded = Submission.objects.filter(pk__in=ids, status="graded", grades__score=exercise.current_version.max_score).distinct().count()

        print(f"  submit-to-graded latency over {len(latencies)} sequential submissions: "
              f"p50 {1000 * statistics.median(latencies):.0f} ms, p95 {1000 * percentile(latencies, 95):.0f} ms "
              f"(target: p50 < 60 ms)")
        print(f"  burst of {args.burst}: {args.burst / burst_s:.1f} gradings/s ({burst_s:.2f} s in all, "
              f"{graded}/{args.burst} graded with full marks) (target: >= 30 gradings/s)")
        print("  " + cpu.report(args.burst, "grading in the burst").replace("\n", "\n  "))

    for mode in args.modes:
        log, worker = start_worker(mode)
        try:
            prepare(mode, log, worker)
            measure(mode)
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)


if __name__ == "__main__":
    main()
