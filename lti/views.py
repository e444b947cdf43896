"""The tool's endpoints for LMSs, and the run's LTI page for its staff.

The login initiation and launch come from the LMS, cross-site: they are exempt from CSRF
(the OIDC state, the nonce and the id_token's signature stand in for it) and from nothing else.
A refused launch is logged with its reason and shown as a page that may be framed by anyone (it
offers no action), so the LMS's iframe says what went wrong.
"""

import logging

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from pylti1p3.contrib.django import DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.exception import LtiException, OIDCException

from runs.decorators import run_instructor_required, run_reviewer_required

from . import deep_linking, jobs, keys, nrps
from .launch import LaunchRefused, accept, platform_of, storage, validated_launch
from .middleware import SESSION_KEY
from .models import ScoreSend
from .tool_conf import ToolConf, http_session

log = logging.getLogger("torchgrade.lti")

DEEP_LINK_SESSION_KEY = "lti_deep_link_launch"


def urls(request) -> dict:
    """What an LMS administrator types in when registering the tool."""
    absolute = request.build_absolute_uri
    return {"login": absolute(reverse("lti_login")), "launch": absolute(reverse("lti_launch")),
            "jwks": absolute(reverse("lti_jwks")), "deep_link": absolute(reverse("lti_launch"))}


@require_GET
def configuration(request):
    return render(request, "lti/configuration.html", {"urls": urls(request)})


@require_GET
def jwks(request):
    return JsonResponse(keys.jwks())


@xframe_options_exempt
def refused(request, reason: str, status: int = 403):
    log.warning("lti launch refused", extra={"reason": reason, "path": request.path})
    return render(request, "lti/refused.html", {"reason": reason}, status=status)


@csrf_exempt
@never_cache
def oidc_login(request):
    """OIDC third-party initiated login (GET or POST, as the LMS likes): back to the LMS's
    authorisation endpoint with a state and a nonce of our own."""
    try:
        return DjangoOIDCLogin(request, ToolConf(), launch_data_storage=storage()).redirect(urls(request)["launch"])
    except (OIDCException, LtiException) as exc:
        return refused(request, str(exc), status=400)


@csrf_exempt
@require_POST
@never_cache
def launch(request):
    try:
        message = validated_launch(request)
        launched = accept(message)
    except LaunchRefused as exc:
        return refused(request, str(exc))
    login(request, launched.user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_KEY] = launched.platform.origin
    log.info("lti launch", extra={"user": launched.user.pk, "platform": launched.platform.pk, "role": launched.role})
    if launched.link is None:
        request.session[DEEP_LINK_SESSION_KEY] = message.get_launch_id()
        return redirect("lti_deep_link")
    nrps.sync_if_stale(launched.context)
    link = launched.link
    if link.exercise_id:
        return redirect(link.exercise)
    if link.quiz_id:
        return redirect("quiz", link.quiz.course.slug, link.quiz.slug)
    return redirect(link.chapter)


@login_required
@never_cache
def deep_link(request):
    """The content picker of a deep-linking launch, and the signed answer back to the LMS."""
    launch_id = request.session.get(DEEP_LINK_SESSION_KEY)
    if not launch_id:
        raise PermissionDenied
    try:
        message = DjangoMessageLaunch.from_cache(launch_id, request, ToolConf(), launch_data_storage=storage(),
                                                 requests_session=http_session())
    except LtiException as exc:
        return refused(request, f"This content picker has expired ({exc}): open it again from the LMS.")
    platform = platform_of(message.get_launch_data())
    if request.method == "POST":
        return_url, jwt = deep_linking.response(message, platform, request.POST.getlist("item"), urls(request)["launch"])
        del request.session[DEEP_LINK_SESSION_KEY]
        return render(request, "lti/deep_link_return.html", {"return_url": return_url, "jwt": jwt})
    return render(request, "lti/deep_link.html", {"platform": platform, "choices": deep_linking.choices(platform)})


@run_reviewer_required
def run_lti(request, run):
    """What the run's LMS courses are, and every score sent to them (or waiting to be)."""
    sends = (ScoreSend.objects.filter(resource_link__context__run=run)
             .select_related("user", "resource_link__context__platform")[:300])
    return render(request, "lti/run.html", {
        "run": run, "contexts": run.lti_contexts.select_related("platform").prefetch_related("resource_links"),
        "sends": sends, "can_sync": run.course.is_staff(request.user)})


@require_POST
@run_instructor_required
def sync_roster(request, run):
    contexts = run.lti_contexts.exclude(memberships_url="")
    for context in contexts:
        jobs.sync_roster(context.pk)
    messages.success(request, f"Roster sync asked of {len(contexts)} LMS course(s): it runs in the background.")
    return redirect("lti_run", run.pk)
