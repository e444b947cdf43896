"""Health checks for load balancers and orchestrators, the grading queue for admins, and metrics.

/healthz says the process answers (liveness: restart it if not). /readyz says whether the site
can do its whole job: reach the database and the broker, and have a live cpu worker whose
sandbox ran a canary job recently (the web process runs no sandbox itself: each worker's pool
processes run the canary and record it with the worker's heartbeat, grader/worker.py). Anyone
may ask whether the site is ready; only superusers see why, with the workers' names.

QueueSnapshot is the state of the grading queue: the workers, the queues, the oldest waiting
submission, grading latency and recent errors. The staff app's /staff/queue/ page shows it to
admins; /metrics gives Prometheus the same figures (torchgrade/metrics.py), to the bearer of
METRICS_TOKEN only.
"""

import hmac
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, F
from django.http import Http404, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from kombu.exceptions import KombuError

from grader.jobs import WaitingTasks, queue_length, waiting_tasks
from grader.models import Submission, WorkerHeartbeat
from torchgrade import metrics
from torchgrade.broker import answers
from torchgrade.queues import KINDS
from torchgrade.stats import percentile

LATENCY_WINDOW = timedelta(hours=1)
QUEUES = KINDS


@never_cache
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "reachable"


def check_broker():
    if not answers(settings.CELERY_BROKER_URL):
        raise ConnectionError("the broker does not answer")
    return "reachable"


def check_sandbox():
    workers = WorkerHeartbeat.able_to_grade("cpu")
    if not workers:
        raise LookupError(f"no live cpu grading worker whose sandbox passed a canary job in the last "
                          f"{settings.GRADER_CANARY_STALE_S:.0f} s")
    return f"{len(workers)} cpu worker(s) whose sandbox passed a canary job: " + \
        ", ".join(beat.hostname for beat in workers)


def is_superuser(request):
    try:
        return request.user.is_superuser
    except DatabaseError:  # the session lives in the database: whoever asks is anonymous then
        return False


@never_cache
def readyz(request):
    checks = {}
    for name, check in (("database", check_database), ("broker", check_broker), ("sandbox", check_sandbox)):
        try:
            checks[name] = {"ok": True, "detail": check()}
        except (DatabaseError, ConnectionError, LookupError) as exc:
            checks[name] = {"ok": False, "detail": str(exc) or type(exc).__name__}
    ready = all(check["ok"] for check in checks.values())
    if not is_superuser(request):
        checks = {name: {"ok": check["ok"]} for name, check in checks.items()}
    return JsonResponse({"ready": ready, "checks": checks}, status=200 if ready else 503)


@dataclass
class QueueRow:
    name: str
    depth: int | None  # tasks in the broker's queue; None when the broker did not answer
    waiting: int  # submissions queued in the database
    oldest_waiting: Submission | None
    oldest_waiting_s: float | None
    workers_able: int  # live workers of this queue whose sandbox passed a recent canary


def latency_summary(seconds: list[float]) -> dict:
    return {"p50": percentile(seconds, 50), "p95": percentile(seconds, 95), "max": max(seconds, default=None)}


class QueueSnapshot:
    """The grading queue as the database and the broker know it now: for the admins' queue page
    and the web's metrics. Each figure is read when first asked for, once."""

    RECENT_ERRORS = 10
    window_minutes = int(LATENCY_WINDOW.total_seconds() // 60)

    def __init__(self):
        self.now = timezone.now()

    def age_s(self, moment) -> float | None:
        return round((self.now - moment).total_seconds(), 1) if moment else None

    @cached_property
    def broker(self) -> tuple[dict[str, int] | None, str]:
        """(tasks waiting per queue, ""), or (None, why) when the broker did not answer."""
        try:
            return {queue: queue_length(queue) for queue in QUEUES}, ""
        except (OSError, KombuError) as exc:  # the page still shows what the database knows
            return None, f"the broker did not answer: {exc}"

    @cached_property
    def waiting_tasks(self) -> list[WaitingTasks]:
        """The tasks waiting in each queue by kind of task, with the oldest's wait (none when the broker did not answer)."""
        if self.broker_error:
            return []
        try:
            return [row for queue in QUEUES for row in waiting_tasks(queue)]
        except (OSError, KombuError):
            return []

    @property
    def queue_depths(self) -> dict[str, int] | None:
        return self.broker[0]

    @property
    def broker_error(self) -> str:
        return self.broker[1]

    @cached_property
    def by_status(self) -> dict[str, int]:
        counts = dict(Submission.objects.values_list("status").annotate(Count("pk")))
        return {status: counts.get(status, 0) for status, _ in Submission.STATUSES}

    @cached_property
    def queues(self) -> list[QueueRow]:
        queued = Submission.objects.filter(status=Submission.QUEUED)
        rows = []
        for name, waiting in (("cpu", queued.exclude(exercise__device="cuda")),
                              ("gpu", queued.filter(exercise__device="cuda"))):
            oldest = waiting.select_related("exercise", "user").order_by(
                F("enqueued_at").asc(nulls_last=True)).first()
            rows.append(QueueRow(name, (self.queue_depths or {}).get(name), waiting.count(), oldest,
                                 self.age_s(oldest.enqueued_at) if oldest else None,
                                 len(WorkerHeartbeat.able_to_grade(name))))
        return rows

    @cached_property
    def oldest_waiting_s(self) -> float | None:
        return max((row.oldest_waiting_s for row in self.queues if row.oldest_waiting_s is not None), default=None)

    @cached_property
    def recently_graded(self) -> list[tuple]:
        """(created, enqueued, started, finished) of the submissions graded within LATENCY_WINDOW."""
        return list(Submission.objects.filter(status=Submission.GRADED, finished_at__gte=self.now - LATENCY_WINDOW)
                    .values_list("created_at", "enqueued_at", "started_at", "finished_at"))

    @cached_property
    def submit_to_graded(self) -> dict:
        return latency_summary([(finished - created).total_seconds()
                                for created, _, _, finished in self.recently_graded])

    @cached_property
    def queue_wait(self) -> dict:
        return latency_summary([(started - enqueued).total_seconds()
                                for _, enqueued, started, _ in self.recently_graded if enqueued and started])

    @property
    def latencies(self) -> list[tuple[str, dict]]:
        return [("Submit to graded", self.submit_to_graded), ("Waiting in the queue", self.queue_wait)]

    @cached_property
    def workers(self) -> list[WorkerHeartbeat]:
        alive = set(WorkerHeartbeat.alive().values_list("pk", flat=True))
        beats = list(WorkerHeartbeat.objects.order_by("hostname", "-last_seen"))
        for beat in beats:
            beat.is_alive = beat.pk in alive
            beat.last_seen_s, beat.canary_s = self.age_s(beat.last_seen), self.age_s(beat.canary_at)
        return beats

    @cached_property
    def recent_errors(self) -> list[Submission]:
        return list(Submission.objects.filter(status=Submission.ERROR).select_related("exercise", "user")
                    .order_by(F("finished_at").desc(nulls_last=True))[:self.RECENT_ERRORS])

    def as_json(self) -> dict:
        return {
            "queues": self.queue_depths if self.queue_depths is not None else {"error": self.broker_error},
            "submissions": self.by_status,
            "oldest_queued_s": self.oldest_waiting_s,
            "oldest_queued_s_by_queue": {row.name: row.oldest_waiting_s for row in self.queues},
            "graded_last_hour": len(self.recently_graded),
            "latency_s": self.submit_to_graded,
            "queue_wait_s": self.queue_wait,
            "waiting_tasks": [vars(row) for row in self.waiting_tasks],
            "workers": [
                {"hostname": beat.hostname, "worker_id": beat.worker_id, "queues": beat.queues, "alive": beat.is_alive,
                 "last_seen_s": beat.last_seen_s, "canary_ok": beat.canary_ok, "canary_s": beat.canary_s}
                for beat in self.workers
            ],
            "recent_errors": [
                {"submission": s.pk, "exercise": s.exercise.title, "user": s.user.get_username(),
                 "finished_at": s.finished_at.isoformat() if s.finished_at else None, "message": s.error_message}
                for s in self.recent_errors
            ],
        }


@never_cache
def metrics_view(request):
    """The web's figures for Prometheus, to the bearer of METRICS_TOKEN; no token set: no such page."""
    if not settings.METRICS_TOKEN:
        raise Http404
    expected = f"Bearer {settings.METRICS_TOKEN}".encode()
    if not hmac.compare_digest(request.headers.get("Authorization", "").encode(), expected):
        response = HttpResponse("a bearer token is required", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics.site_metrics(QueueSnapshot()), content_type=metrics.CONTENT_TYPE)
