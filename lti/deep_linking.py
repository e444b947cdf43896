"""Placing content in the LMS (LTI Deep Linking 2.0): the picker's choices and the signed answer.

Each choice is an LTI resource link back to this tool's launch URL with the custom parameter
`torchgrade_item` ("exercise:12", "quiz:3", "chapter:3"); an exercise or a quiz comes with its
line item (its maximum points), so that the LMS's gradebook has a column for it.
"""

from dataclasses import dataclass

from pylti1p3.contrib.django import DjangoMessageLaunch
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem

from grader.models import Exercise

from .launch import ITEM_PARAMETER
from .models import Platform

SETTINGS_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"


@dataclass(frozen=True)
class Choice:
    key: str  # "exercise:12"
    title: str
    points: float | None  # None: nothing graded (a chapter to read)


def choices(platform: Platform) -> list[tuple[str, list[Choice]]]:
    """(course title, its items) for each course the platform may place, in reading order."""
    grouped = []
    for course in platform.courses.order_by("title"):
        items = []
        for chapter in course.chapters.filter(published=True, retired=False).order_by("position"):
            items.append(Choice(f"chapter:{chapter.pk}", f"{chapter.title} (reading)", None))
            questions = chapter.active_questions().count()
            if questions:
                items.append(Choice(f"quiz:{chapter.pk}", f"Quiz: {chapter.title}", float(questions)))
            for exercise in Exercise.objects.filter(chapter=chapter, published=True, retired=False,
                                                    current_version__isnull=False).select_related("current_version"):
                items.append(Choice(f"exercise:{exercise.pk}", exercise.title, float(exercise.points)))
        grouped.append((course.title, items))
    return grouped


def response(launch: DjangoMessageLaunch, platform: Platform, keys: list[str], launch_url: str) -> tuple[str, str]:
    """(the LMS's return URL, the signed LtiDeepLinkingResponse JWT) for the chosen `keys`; only
    keys the platform may place count, and only the first when the LMS takes one item."""
    offered = {choice.key: choice for _, items in choices(platform) for choice in items}
    chosen = [offered[key] for key in keys if key in offered]
    settings = launch.get_launch_data()[SETTINGS_CLAIM]
    if not settings.get("accept_multiple", True):
        chosen = chosen[:1]
    resources = []
    for choice in chosen:
        resource = (DeepLinkResource().set_url(launch_url).set_title(choice.title)
                    .set_custom_params({ITEM_PARAMETER: choice.key}))
        if choice.points is not None:
            resource.set_lineitem(LineItem().set_score_maximum(choice.points).set_label(choice.title)
                                  .set_resource_id(choice.key))
        resources.append(resource)
    return settings["deep_link_return_url"], launch.get_deep_link().get_response_jwt(resources)
