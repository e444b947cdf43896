"""Apply a parsed course folder to the database, idempotently.

Rows are matched by their stable slugs/ids and updated in place; what disappeared from the
folder is marked retired rather than deleted, so students' attempts and answers survive.
"""

from django.db import transaction

from .loader import chapter_extensions, parse_course
from .models import Chapter, Course, InterviewQuestion, Option, Question


def import_course(folder):
    """Import the course in `folder`; raise CourseFolderInvalid (nothing imported) on problems."""
    return import_course_data(parse_course(folder))


def import_course_data(data):
    """Import a course folder that parse_course has read and checked."""
    with transaction.atomic():
        course, _ = Course.objects.update_or_create(
            slug=data.slug,
            defaults={"title": data.title, "description": data.description, "published": data.published},
        )
        kept = []
        for position, chapter_data in enumerate(data.chapters, start=1):
            chapter = _import_chapter(course, position, chapter_data)
            kept.append(chapter.pk)
        course.chapters.exclude(pk__in=kept).update(retired=True)
    return course


def _import_chapter(course, position, data):
    chapter = Chapter.objects.filter(course=course, slug=data.slug).first() or Chapter(
        course=course, slug=data.slug
    )
    chapter.position = position
    chapter.title = data.title
    chapter.summary = data.summary
    chapter.body = data.body
    chapter.faq = data.faq
    chapter.level = data.level
    chapter.updated = data.updated
    chapter.quiz_max_attempts = data.quiz_policy.attempts
    chapter.quiz_reveal = data.quiz_policy.reveal
    chapter.quiz_scoring = data.quiz_policy.score
    chapter.published = data.published
    chapter.retired = False
    chapter.save()

    kept = []
    for q_position, q in enumerate(data.questions, start=1):
        question, _ = Question.objects.update_or_create(
            chapter=chapter, key=q.key,
            defaults={"position": q_position, "prompt": q.prompt, "multiple": q.multiple, "retired": False},
        )
        _replace_options(question, q.options)
        kept.append(question.pk)
    chapter.questions.exclude(pk__in=kept).update(retired=True)

    kept = []
    for i_position, item in enumerate(data.interview, start=1):
        question, _ = InterviewQuestion.objects.update_or_create(
            chapter=chapter, key=item.key,
            defaults={"position": i_position, "prompt": item.prompt, "model_answer": item.answer, "retired": False},
        )
        kept.append(question.pk)
    chapter.interview_questions.exclude(pk__in=kept).update(retired=True)

    for extension in chapter_extensions():
        extension.apply(chapter, data.extensions[extension.folder_name])
    return chapter


def option_key(position):
    return "abcdef"[position]


def _replace_options(question, options):
    # Options are identified by position (a, b, c...): answers store these keys.
    question.options.all().delete()
    Option.objects.bulk_create(
        Option(
            question=question, key=option_key(i), position=i, text=o.text,
            correct=o.correct, explanation=o.explanation,
        )
        for i, o in enumerate(options)
    )
