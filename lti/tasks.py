"""The LTI tasks, run by background workers: sending scores, syncing rosters, the sweep."""

from celery import shared_task

from . import jobs, keys, nrps, passback
from .models import ContextLink, ScoreSend, UsedNonce


@shared_task(name="lti.tasks.send_score_task")
def send_score_task(pk: int) -> None:
    row = passback.send(pk)
    if row is None:
        return
    if row.status == ScoreSend.PENDING:
        if row.attempts < passback.TASK_RETRIES:
            jobs.send_score(pk, countdown=passback.backoff(row.attempts).total_seconds())
        return
    # The LMS answers again: what waited for it goes now, not at its next retry.
    platform = row.resource_link.context.platform_id
    for waiting in passback.waiting(platform).values_list("pk", flat=True):
        passback.send(waiting)


@shared_task(name="lti.tasks.sync_roster_task")
def sync_roster_task(context_id: int) -> None:
    context = ContextLink.objects.filter(pk=context_id).select_related("platform", "run__course").first()
    if context is not None:
        nrps.sync(context)


@shared_task(name="lti.tasks.send_pending_scores")
def send_pending_scores() -> None:
    """The periodic sweep: every score whose next attempt is due, and old nonces and keys forgotten."""
    for pk in passback.due().order_by("created_at").values_list("pk", flat=True):
        passback.send(pk)
    UsedNonce.forget_old()
    keys.prune()
