"""A run's roster from the LMS (LTI Names and Role Provisioning Services 2.0).

Every active member gets the role the LMS gives them (lti.launch.join); a member the LMS lists as
inactive or deleted, or no longer lists at all, leaves the run, if they came from this LMS
(someone who joined with the run's join code is left alone). An empty list changes nothing. Run on demand from the run's LTI
page and in the background after a launch when the last sync is older than STALE_AFTER.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from pylti1p3.names_roles import NamesRolesProvisioningService

from grader.models import AuditEntry
from runs.models import Enrollment

from . import jobs
from .launch import join, role_in, user_for
from .models import ContextLink, LtiIdentity
from .tool_conf import service_connector

log = logging.getLogger("torchgrade.lti")

STALE_AFTER = timedelta(hours=1)


def sync(context: ContextLink) -> dict:
    """Bring the run's roster in line with the LMS's; returns how many members joined, left and
    were skipped (a role with no place here). A failure is kept on the link, for staff to see."""
    try:
        members = NamesRolesProvisioningService(service_connector(context.platform), {
            "context_memberships_url": context.memberships_url, "service_versions": ["2.0"]}).get_members()
    except Exception as exc:  # the LMS or the network: shown on the run's LTI page
        context.roster_sync_error = f"{type(exc).__name__}: {exc}"[:2000]
        context.save(update_fields=["roster_sync_error"])
        log.warning("lti roster sync failed", extra={"context": context.pk, "error": context.roster_sync_error})
        raise
    counts = {"joined": 0, "left": 0, "skipped": 0}
    if not members:  # a course has at least the instructor who placed the tool: a glitch, not a roster
        log.warning("lti roster sync: the LMS listed no one; nothing changed", extra={"context": context.pk})
        return counts
    present = set()
    with transaction.atomic():
        for member in members:
            role = role_in(member.get("roles", []))
            if role is None or member.get("status", "Active") != "Active":
                counts["skipped"] += 1
                continue
            user = user_for(context.platform, member)
            join(context.run, user, role)
            present.add(user.pk)
            counts["joined"] += 1
        from_this_lms = LtiIdentity.objects.filter(platform=context.platform).values("user_id")
        for enrollment in (Enrollment.objects.filter(run=context.run, user__in=from_this_lms)
                           .exclude(user__in=present).select_related("user")):
            enrollment.delete()
            AuditEntry.record(None, AuditEntry.ROSTER, context.run.course,
                              f"{enrollment.user.get_username()} in {context.run.title}", enrollment.role, "",
                              "not on the LMS's roster")
            counts["left"] += 1
        context.roster_synced_at, context.roster_sync_error = timezone.now(), ""
        context.save(update_fields=["roster_synced_at", "roster_sync_error"])
    log.info("lti roster synced", extra={"context": context.pk, **counts})
    return counts


def sync_if_stale(context: ContextLink) -> None:
    """After a launch: sync in the background unless a sync is recent (or the LMS offers none)."""
    fresh = context.roster_synced_at and timezone.now() - context.roster_synced_at < STALE_AFTER
    if context.memberships_url and not fresh:
        jobs.sync_roster(context.pk)
