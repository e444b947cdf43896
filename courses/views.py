from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from runs.access import NotEnrolled, quiz_window, run_for_work, student_run

from .loader import chapter_extensions
from .markdown import render_markdown
from .models import (
    Chapter,
    ChapterProgress,
    Comment,
    Course,
    InterviewAnswer,
    QuizAttempt,
    QuizClosed,
)

MAX_ANSWER_CHARS = 10_000


def get_chapter(request, course_slug, chapter_slug):
    chapter = get_object_or_404(
        Chapter.objects.select_related("course"), course__slug=course_slug, slug=chapter_slug
    )
    if not chapter.is_visible_to(request.user):
        raise Http404("No such chapter")
    return chapter


def home(request):
    courses = Course.visible_to(request.user)
    rows = []
    for course in courses:
        progress = course.progress_for(request.user) if request.user.is_authenticated else None
        rows.append((course, progress))
    return render(request, "courses/home.html", {"rows": rows})


def course(request, course_slug):
    """Open to visitors; a logged-in student also sees their progress and quiz scores."""
    course = get_object_or_404(Course.visible_to(request.user), slug=course_slug)
    context = {"course": course, "is_staff": course.is_staff(request.user)}
    if request.user.is_authenticated:
        chapters = course.chapters_with_progress(request.user)
        done, total, next_chapter = course.progress_for(request.user, chapters)
        context.update(done=done, total=total, next_chapter=next_chapter, run=student_run(request.user, course))
    else:
        chapters = list(course.chapters_for(request.user))
    return render(request, "courses/course.html", {**context, "chapters": chapters})


def chapter(request, course_slug, chapter_slug):
    """Open to visitors (comments read-only); practising and commenting need an account."""
    chapter = get_chapter(request, course_slug, chapter_slug)
    chapters = list(chapter.course.chapters_for(request.user))
    index = chapters.index(chapter)
    newest_first = request.GET.get("comments") == "newest"
    return render(request, "courses/chapter.html", {
        "course": chapter.course,
        "chapter": chapter,
        "previous_chapter": chapters[index - 1] if index > 0 else None,
        "next_chapter": chapters[index + 1] if index + 1 < len(chapters) else None,
        "finished": request.user.is_authenticated and chapter.is_finished_by(request.user),
        "comments": Comment.visible_in(chapter, request.user, newest_first=newest_first),
        "newest_first": newest_first,
        "is_staff": chapter.course.is_staff(request.user),
        "sections": [(extension.section_template, extension.section(chapter, request.user))
                     for extension in chapter_extensions()],
    })


@login_required
@require_POST
def finish_chapter(request, course_slug, chapter_slug):
    chapter = get_chapter(request, course_slug, chapter_slug)
    ChapterProgress.objects.get_or_create(user=request.user, chapter=chapter)
    done, total, next_chapter = chapter.course.progress_for(request.user)
    messages.success(request, f"Chapter finished: {done} of {total} done.")
    return redirect(next_chapter or chapter.course)


@login_required
def quiz(request, course_slug, chapter_slug):
    chapter = get_chapter(request, course_slug, chapter_slug)
    questions = list(chapter.active_questions())
    if request.method == "POST":
        selections = {q.key: request.POST.getlist(q.key) for q in questions}
        try:
            run = run_for_work(request.user, chapter.course)
            attempt = QuizAttempt.grade(request.user, chapter, selections, quiz_window(request.user, chapter, run))
        except (QuizClosed, NotEnrolled) as exc:
            messages.error(request, str(exc))
            return redirect(request.path)
        return redirect(attempt)
    window = quiz_window(request.user, chapter, student_run(request.user, chapter.course))
    return render(request, "courses/quiz.html", {
        "chapter": chapter,
        "course": chapter.course,
        "questions": [(q, q.options_for(request.user)) for q in questions],
        "attempts": chapter.quiz_attempts.filter(user=request.user),
        "attempts_left": chapter.quiz_attempts_left(request.user),
        "closed": chapter.quiz_closed_for(request.user, window=window),
        "window": window,
    })


@login_required
def quiz_attempt(request, attempt_id):
    attempt = get_object_or_404(QuizAttempt.objects.select_related("chapter__course"), pk=attempt_id)
    if attempt.user_id != request.user.pk and not attempt.chapter.course.is_staff(request.user):
        raise PermissionDenied
    results = []
    for answer in attempt.answers.select_related("question").prefetch_related("question__options"):
        options = answer.question.options_for(attempt.user)
        results.append((answer, [(o, o.key in answer.selected) for o in options]))
    chapter = attempt.chapter
    window = quiz_window(attempt.user, chapter, student_run(attempt.user, chapter.course))
    return render(request, "courses/quiz_attempt.html", {
        "attempt": attempt, "chapter": chapter, "course": chapter.course, "results": results,
        # The student's own quiz policy and deadline decide; their course's staff always see the answers.
        "revealed": chapter.course.is_staff(request.user) or chapter.quiz_revealed_to(attempt.user, window=window),
        "attempts_left": chapter.quiz_attempts_left(attempt.user),
        "closed": chapter.quiz_closed_for(attempt.user, window=window),
        "window": window,
    })


@login_required
def interview(request, course_slug, chapter_slug):
    chapter = get_chapter(request, course_slug, chapter_slug)
    questions = list(chapter.interview_questions.filter(retired=False))
    if request.method == "POST":
        question = get_object_or_404(chapter.interview_questions, key=request.POST.get("question"), retired=False)
        text = request.POST.get("answer", "").strip()
        if not text:
            messages.error(request, "Write your answer first: the model answer is shown once you have.")
        elif len(text) > MAX_ANSWER_CHARS:
            messages.error(request, f"Answers are limited to {MAX_ANSWER_CHARS} characters.")
        else:
            # A changed answer goes back to the staff's review queue (the last feedback stays shown).
            InterviewAnswer.objects.exclude(text=text).filter(user=request.user, question=question).update(
                reviewed_at=None)
            InterviewAnswer.objects.update_or_create(user=request.user, question=question, defaults={"text": text})
            messages.success(request, "Answer saved. Compare it with the model answer below.")
        return redirect(f"{request.path}#q-{question.key}")
    answers = {a.question_id: a for a in InterviewAnswer.objects.filter(user=request.user, question__in=questions)}
    return render(request, "courses/interview.html", {
        "chapter": chapter, "course": chapter.course,
        "rows": [(q, answers.get(q.pk)) for q in questions],
    })


@login_required
@require_POST
def post_comment(request, course_slug, chapter_slug):
    chapter = get_chapter(request, course_slug, chapter_slug)
    body = request.POST.get("body", "").strip()
    if not body:
        messages.error(request, "A comment cannot be empty.")
    elif len(body) > Comment._meta.get_field("body").max_length:
        messages.error(request, "Comments are limited to 5000 characters.")
    else:
        Comment.objects.create(chapter=chapter, author=request.user, body=body)
    return redirect(f"{chapter.get_absolute_url()}#discussion")


@login_required
@require_POST
def hide_comment(request, comment_id):
    comment = get_object_or_404(Comment.objects.select_related("chapter__course"), pk=comment_id)
    if not comment.chapter.course.is_staff(request.user):
        raise PermissionDenied
    comment.hidden = request.POST.get("hidden") != "0"
    comment.hidden_by = request.user if comment.hidden else None
    comment.save()
    return redirect(f"{comment.chapter.get_absolute_url()}#discussion")


@require_POST
def markdown_preview(request, course_slug):
    """The admin's live preview: an author's Markdown as the course's students will see it."""
    course = get_object_or_404(Course, slug=course_slug)
    if not course.is_staff(request.user):
        raise PermissionDenied
    return render(request, "courses/preview.html", {"html": render_markdown(request.POST.get("text", ""))})
