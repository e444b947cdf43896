"""An LTI launch, from a checked id_token to a signed-in user in the right run.

`validated_launch` checks everything pylti1p3 checks (state, signature against the platform's
key set, registration by issuer and audience, deployment, expiry, message claims) and then spends
the nonce: an id_token is accepted once. Only the claims of such a launch are trusted here. The
user is found by the platform and `sub`, never by e-mail; the LMS context is linked to one run of
the item's course, and the LTI role decides who the user is in it.
"""

import hashlib
import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoMessageLaunch
from pylti1p3.exception import LtiException

from courses.models import Chapter
from grader.models import AuditEntry, Exercise
from runs.models import CourseRun, Enrollment

from .models import ContextLink, LtiIdentity, Platform, ResourceLink, UsedNonce
from .tool_conf import ToolConf, find_platform, http_session

log = logging.getLogger("torchgrade.lti")

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
ITEM_PARAMETER = "torchgrade_item"  # the custom parameter of a deep-linked item: "exercise:12"

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
INSTRUCTOR, TA, STUDENT = "instructor", Enrollment.TA, Enrollment.STUDENT


class LaunchRefused(Exception):
    """The launch is not accepted; the message says why, for the log and the page."""


def storage() -> DjangoCacheDataStorage:
    """Where login initiation leaves the state and nonce for the launch: the cache (shared by
    every web process in production), not the session, whose cookie a cross-site POST lacks."""
    return DjangoCacheDataStorage(cache_name="default")


def validated_launch(request) -> DjangoMessageLaunch:
    launch = DjangoMessageLaunch(request, ToolConf(), launch_data_storage=storage(), requests_session=http_session())
    # The audience is checked by the registration's lookup (pylti1p3); an id_token without an
    # expiry would otherwise be accepted, as PyJWT checks only the claims present.
    launch.set_jwt_verify_options({"verify_aud": False, "require": ["exp", "iat"]})
    try:
        data = launch.get_launch_data()
    except LtiException as exc:
        raise LaunchRefused(str(exc)) from exc
    except ValueError as exc:  # a malformed claim, as json or jwt reads it
        raise LaunchRefused(f"Invalid id_token: {exc}") from exc
    platform = platform_of(data)
    try:
        with transaction.atomic():
            UsedNonce.objects.create(platform=platform, nonce=data["nonce"])
    except IntegrityError:
        raise LaunchRefused("This launch was used already (a replayed id_token).") from None
    return launch


def platform_of(data: dict) -> Platform:
    aud = data.get("aud")
    platform = find_platform(data["iss"], aud[0] if isinstance(aud, list) else aud)
    if platform is None:
        raise LaunchRefused("Registration not found.")
    return platform


def role_in(roles: list[str]) -> str | None:
    """The context role that LTI `roles` give: TA wins over Instructor (a TA's roles may name
    both). Institution and system roles give none: only a role in the course counts."""
    roles = set(roles)
    if f"{MEMBERSHIP}/Instructor#TeachingAssistant" in roles or "TeachingAssistant" in roles:
        return TA
    if f"{MEMBERSHIP}#Instructor" in roles or "Instructor" in roles:
        return INSTRUCTOR
    if f"{MEMBERSHIP}#Learner" in roles or "Learner" in roles:
        return STUDENT
    return None


def user_for(platform: Platform, claims: dict):
    """The user of this platform's `sub`, made on first sight; names and e-mail follow the LMS's."""
    sub = claims.get("sub") or claims.get("user_id")
    if not sub:
        raise LaunchRefused("The launch names no user (no sub): anonymous launches are not accepted.")
    names = {"first_name": (claims.get("given_name") or "")[:150], "last_name": (claims.get("family_name") or "")[:150],
             "email": claims.get("email") or ""}
    identity = LtiIdentity.objects.select_related("user").filter(platform=platform, sub=sub).first()
    if identity is None:
        username = f"lti-{hashlib.sha256(f'{platform.pk}:{sub}'.encode()).hexdigest()[:12]}"
        user = get_user_model().objects.create_user(username, **names)
        user.set_unusable_password()
        user.save()
        return LtiIdentity.objects.create(platform=platform, sub=sub, user=user).user
    user = identity.user
    if any(value and getattr(user, field) != value for field, value in names.items()):
        for field, value in names.items():
            setattr(user, field, value or getattr(user, field))
        user.save(update_fields=list(names))
    return user


def item_of(data: dict, context: ContextLink | None) -> ResourceLink:
    """An unsaved ResourceLink naming what the launch opens: from the deep-linked item's custom
    parameter, else from what this resource link opened before."""
    link_id = data.get(LTI + "resource_link", {}).get("id", "")
    known = context.resource_links.filter(resource_link_id=link_id).first() if context else None
    kind, _, pk = str(data.get(LTI + "custom", {}).get(ITEM_PARAMETER, "")).partition(":")
    if not pk.isdigit():
        if known:
            return known
        raise LaunchRefused("This LMS link does not name an exercise, quiz or chapter: place it again "
                            "with the tool's content picker (deep linking).")
    link = ResourceLink(resource_link_id=link_id, title=data.get(LTI + "resource_link", {}).get("title", "")[:300])
    if known:
        link.pk, link.context, link.lineitem_url = known.pk, known.context, known.lineitem_url
    if kind == "exercise":
        link.exercise = Exercise.objects.filter(pk=pk).select_related("chapter__course").first()
    elif kind in ("quiz", "chapter"):
        setattr(link, kind, Chapter.objects.filter(pk=pk).select_related("course").first())
    if (link.exercise or link.quiz or link.chapter) is None:
        raise LaunchRefused(f"The item this link names ({kind}:{pk}) does not exist here.")
    return link


def course_of(link: ResourceLink):
    return link.exercise.chapter.course if link.exercise_id else (link.quiz or link.chapter).course


def context_for(platform: Platform, data: dict, course) -> ContextLink:
    """The link of the launch's LMS context, made with a run of `course` of its own on the first
    launch; its service URLs are the newest launch's."""
    context_claim = data.get(LTI + "context") or {}
    if not context_claim.get("id"):
        raise LaunchRefused("The launch has no LMS course (context): place the tool inside a course.")
    nrps, ags = data.get(NRPS_CLAIM) or {}, data.get(AGS_CLAIM) or {}
    services = {"deployment_id": data.get(LTI + "deployment_id", ""),
                "memberships_url": nrps.get("context_memberships_url", ""),
                "lineitems_url": ags.get("lineitems", ""), "ags_scopes": ags.get("scope", [])}
    with transaction.atomic():
        context = ContextLink.objects.select_for_update().filter(platform=platform, context_id=context_claim["id"]).first()
        if context is None:
            title = (context_claim.get("title") or context_claim.get("label") or "LMS course")[:200]
            slug = "lti-" + hashlib.sha256(f"{platform.pk}:{context_claim['id']}".encode()).hexdigest()[:10]
            run, _ = CourseRun.objects.get_or_create(course=course, slug=slug, defaults={"title": title})
            return ContextLink.objects.create(platform=platform, context_id=context_claim["id"], title=title,
                                              run=run, **services)
        for field, value in services.items():
            setattr(context, field, value or getattr(context, field))
        context.save()
    return context


def join(run: CourseRun, user, role: str) -> None:
    """Give `user` the LMS's role in `run`. A student belongs to one run of a course at a time:
    the LMS's course wins over their earlier run (an audited roster change)."""
    course = run.course
    if role == INSTRUCTOR:
        course.instructors.add(user)
        join_staff(user)
        return
    with transaction.atomic():
        enrollment = Enrollment.objects.filter(run=run, user=user).first()
        if enrollment and enrollment.role == role:
            return
        if role == STUDENT:
            for earlier in Enrollment.objects.filter(run__course=course, user=user, role=STUDENT).exclude(run=run):
                earlier.delete()
                AuditEntry.record(None, AuditEntry.ROSTER, course, f"{user.get_username()} left {earlier.run.title}",
                                  "student", "", f"joined {run.title} from the LMS")
        Enrollment.objects.update_or_create(run=run, user=user, defaults={"role": role})
        AuditEntry.record(None, AuditEntry.ROSTER, course, f"{user.get_username()} in {run.title}",
                          enrollment.role if enrollment else "", role, "role from the LMS")


@dataclass
class Launched:
    user: object
    platform: Platform
    role: str
    context: ContextLink | None
    link: ResourceLink | None


@transaction.atomic
def accept(launch: DjangoMessageLaunch) -> Launched:
    """Everything a checked launch does here, all or nothing: the user, their role, the run, the
    placed item."""
    data = launch.get_launch_data()
    platform = platform_of(data)
    role = role_in(data.get(LTI + "roles", []))
    if role is None:
        raise LaunchRefused("Your role in this LMS course (none of Instructor, TeachingAssistant, Learner) "
                            "has no place here.")
    if launch.is_deep_link_launch():
        if role != INSTRUCTOR:
            raise LaunchRefused("Only an instructor places content from torchgrade.")
        # The picker lists the platform's courses; no role anywhere comes with it.
        return Launched(user_for(platform, data), platform, role, None, None)
    if not launch.is_resource_launch():
        raise LaunchRefused("This kind of LTI message is not supported here.")
    existing = ContextLink.objects.filter(platform=platform, context_id=(data.get(LTI + "context") or {}).get("id")).first()
    link = item_of(data, existing)
    course = course_of(link)
    if not platform.courses.filter(pk=course.pk).exists():
        raise LaunchRefused(f"This LMS is not registered for the course {course.title}.")
    user = user_for(platform, data)
    context = context_for(platform, data, course)
    if context.run.course_id != course.pk:
        raise LaunchRefused(f"This LMS course is linked to {context.run}, not to {course.title}.")
    link.context = context
    ags = data.get(AGS_CLAIM) or {}
    link.lineitem_url = ags.get("lineitem") or link.lineitem_url
    link.save()
    join(context.run, user, role)
    return Launched(user, platform, role, context, link)


def join_staff(user) -> None:
    """Instructors reach the admin, where courses are authored."""
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
