"""Health checks for load balancers and orchestrators, and the grading queue for admins.

/healthz says the process answers (liveness: restart it if not). /readyz says whether the site
can do its whole job: reach the database and the broker, and have a live cpu worker whose
sandbox ran a canary job recently (the web process runs no sandbox itself: each worker's pool
processes run the canary and record it with the worker's heartbeat, grader/worker.py). Anyone
may ask whether the site is ready; only superusers see why, with the workers' names.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection
from django.db.models import Count, Min
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from kombu.exceptions import KombuError

from grader.jobs import queue_length
from grader.models import Submission, WorkerHeartbeat
from torchgrade.broker import answers
from torchgrade.stats import percentile

LATENCY_WINDOW = timedelta(hours=1)


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


@never_cache
def staff_queue(request):
    """Queue lengths, submissions by status and grading latency: for superusers only."""
    if not request.user.is_superuser:
        raise PermissionDenied
    now = timezone.now()
    try:
        queues = {queue: queue_length(queue) for queue in ("cpu", "gpu")}
    except (OSError, KombuError) as exc:  # the page still shows what the database knows
        queues = {"error": f"the broker did not answer: {exc}"}
    by_status = dict(Submission.objects.values_list("status").annotate(Count("pk")))
    oldest = Submission.objects.filter(status=Submission.QUEUED).aggregate(Min("enqueued_at"))["enqueued_at__min"]
    recent = Submission.objects.filter(status=Submission.GRADED, finished_at__gte=now - LATENCY_WINDOW)
    latencies = [(finished - created).total_seconds() for created, finished in
                 recent.values_list("created_at", "finished_at")]
    return JsonResponse({
        "queues": queues,
        "submissions": {status: by_status.get(status, 0) for status, _ in Submission.STATUSES},
        "oldest_queued_s": round((now - oldest).total_seconds(), 1) if oldest else None,
        "graded_last_hour": len(latencies),
        "latency_s": {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
                      "max": max(latencies, default=None)},
        "workers": [
            {"hostname": beat.hostname, "worker_id": beat.worker_id, "queues": beat.queues,
             "last_seen_s": round((now - beat.last_seen).total_seconds(), 1), "canary_ok": beat.canary_ok,
             "canary_s": round((now - beat.canary_at).total_seconds(), 1) if beat.canary_at else None}
            for beat in WorkerHeartbeat.objects.order_by("hostname", "-last_seen")
        ],
    })
