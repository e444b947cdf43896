import hashlib
import json
import math
import random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from runs.late import Window, shown_time

from .markdown import render_markdown
from .policy import (
    LEVEL_BEGINNER,
    LEVEL_CHOICES,
    REVEAL_AFTER_DEADLINE,
    REVEAL_AFTER_EACH,
    REVEAL_AFTER_LAST,
    REVEAL_CHOICES,
    SCORE_BEST,
    SCORE_CHOICES,
    SCORE_LAST,
    policy_problem,
)

READING_WORDS_PER_MINUTE = 200


class Course(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    published = models.BooleanField(default=True)
    instructors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="taught_courses", blank=True
    )

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("course", args=[self.slug])

    @property
    def description_html(self):
        return render_markdown(self.description)

    def is_staff(self, user):
        """Admins and this course's instructors: they author it and see its results."""
        if not user.is_authenticated:
            return False
        if user.is_superuser:
            return True
        # A page asks this several times about one course: remember the answer on the instance.
        answers = self.__dict__.setdefault("_is_staff", {})
        if user.pk not in answers:
            answers[user.pk] = self.instructors.filter(pk=user.pk).exists()
        return answers[user.pk]

    @classmethod
    def visible_to(cls, user):
        if user.is_authenticated and user.is_superuser:
            return cls.objects.all()
        if user.is_authenticated:
            return cls.objects.filter(models.Q(published=True) | models.Q(instructors=user)).distinct()
        return cls.objects.filter(published=True)

    def chapters_for(self, user):
        chapters = self.chapters.filter(retired=False)
        if not self.is_staff(user):
            chapters = chapters.filter(published=True)
        return chapters

    def chapters_with_progress(self, user):
        """The chapters `user` (logged in) may read, each with `finished`, `question_count` and
        `quiz_score` (the score that counts under the chapter's quiz policy, or None)."""
        chapters = list(self.chapters_for(user).annotate(
            finished=models.Exists(ChapterProgress.objects.filter(user=user, chapter=models.OuterRef("pk"))),
            question_count=models.Count("questions", filter=models.Q(questions__retired=False), distinct=True),
        ))
        scores = QuizAttempt.counted_scores(QuizAttempt.objects.filter(user=user, chapter__course=self))
        for chapter in chapters:
            chapter.quiz_score = scores.get((user.pk, chapter.pk))
        return chapters

    def progress_for(self, user, chapters=None):
        """(chapters finished, chapters in total, the first unfinished chapter or None), over the
        published chapters of `chapters` (default: chapters_with_progress)."""
        if chapters is None:
            chapters = self.chapters_with_progress(user)
        published = [c for c in chapters if c.published]
        next_chapter = next((c for c in published if not c.finished), None)
        return sum(c.finished for c in published), len(published), next_chapter


class Chapter(models.Model):
    course = models.ForeignKey(Course, models.CASCADE, related_name="chapters")
    slug = models.SlugField()
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=500, blank=True)
    body = models.TextField()
    body_html = models.TextField(editable=False)
    faq = models.JSONField(default=list, blank=True)
    level = models.CharField(max_length=12, choices=LEVEL_CHOICES, default=LEVEL_BEGINNER)
    updated = models.DateField(
        null=True, blank=True, help_text="The last update shown to readers; empty: when the text last changed."
    )
    # When the title, summary, body or FAQ last changed (by import or in the admin), found by digest.
    text_changed_at = models.DateTimeField(default=timezone.now, editable=False)
    text_digest = models.CharField(max_length=64, blank=True, editable=False)
    published = models.BooleanField(default=True)
    # A chapter removed from the course folder keeps its students' progress and answers.
    retired = models.BooleanField(default=False)

    # The quiz policy: the defaults suit self-study, a graded course tightens them.
    quiz_max_attempts = models.PositiveIntegerField(
        "quiz attempts", null=True, blank=True, validators=[MinValueValidator(1)], help_text="Empty: unlimited."
    )
    quiz_reveal = models.CharField(
        "reveal answers and explanations", max_length=16, choices=REVEAL_CHOICES, default=REVEAL_AFTER_EACH
    )
    quiz_scoring = models.CharField("the score that counts", max_length=8, choices=SCORE_CHOICES, default=SCORE_BEST)
    quiz_deadline = models.DateTimeField(
        "quiz deadline", null=True, blank=True, help_text="No attempt after it. Set here only, not in quiz.yaml."
    )

    class Meta:
        ordering = ["course", "position"]
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="unique_chapter_slug")
        ]

    def __str__(self):
        return self.title

    def clean(self):
        problem = policy_problem(self.quiz_max_attempts, self.quiz_reveal)
        if problem:
            raise ValidationError({"quiz_reveal": problem})
        if self.quiz_reveal == REVEAL_AFTER_DEADLINE and self.quiz_deadline is None:
            raise ValidationError({"quiz_deadline": "Revealing after the deadline needs a deadline."})

    def save(self, *args, **kwargs):
        self.body_html = render_markdown(self.body)
        text = json.dumps([self.title, self.summary, self.body, self.faq], sort_keys=True)
        digest = hashlib.sha256(text.encode()).hexdigest()
        if digest != self.text_digest:
            self.text_digest, self.text_changed_at = digest, timezone.now()
        super().save(*args, **kwargs)

    @property
    def reading_minutes(self) -> int:
        """Words of the body (whitespace-separated, code included) at 200 a minute, rounded up."""
        return max(1, math.ceil(len(self.body.split()) / READING_WORDS_PER_MINUTE))

    @property
    def last_update(self):
        return self.updated or timezone.localdate(self.text_changed_at)

    def get_absolute_url(self):
        return reverse("chapter", args=[self.course.slug, self.slug])

    def faq_html(self):
        return [(render_markdown(item["q"]), render_markdown(item["a"])) for item in self.faq]

    def is_visible_to(self, user):
        if self.retired:
            return False
        return (self.published and self.course.published) or self.course.is_staff(user)

    def is_finished_by(self, user):
        return self.progress.filter(user=user).exists()

    def active_questions(self):
        return self.questions.filter(retired=False).prefetch_related("options")

    @property
    def quiz_is_practice(self) -> bool:
        """The self-study defaults: retake at will, see every answer, the best score counts."""
        return (self.quiz_max_attempts is None and self.quiz_reveal == REVEAL_AFTER_EACH
                and self.quiz_scoring == SCORE_BEST and self.quiz_deadline is None)

    def quiz_attempts_left(self, user) -> int | None:
        """None when attempts are unlimited."""
        if self.quiz_max_attempts is None:
            return None
        return max(0, self.quiz_max_attempts - self.quiz_attempts.filter(user=user).count())

    def quiz_window(self, window: Window | None = None) -> Window:
        """`window`: the student's deadline in their run (runs.access.quiz_window); by default the
        quiz's own deadline."""
        return window or Window(self.quiz_deadline)

    def quiz_closed_for(self, user, now=None, window: Window | None = None) -> str:
        """Why `user` may not start another attempt ("" when they may)."""
        window = self.quiz_window(window)
        if window.refusal(now or timezone.now()):
            whose = "your extended" if window.extended else "its"
            return f"The quiz closed at {whose} deadline ({shown_time(window.due_at)})."
        if self.quiz_attempts_left(user) == 0:
            return f"You have used all {self.quiz_max_attempts} attempts at this quiz."
        return ""

    def quiz_revealed_to(self, user, now=None, window: Window | None = None) -> bool:
        """Whether the policy lets `user` see the correct answers and explanations now (after their
        own deadline, extensions included, for "after the deadline")."""
        if self.quiz_reveal == REVEAL_AFTER_EACH:
            return True
        if self.quiz_reveal == REVEAL_AFTER_LAST:
            return self.quiz_attempts_left(user) == 0
        return self.quiz_window(window).is_late(now or timezone.now())




class ChapterProgress(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE)
    chapter = models.ForeignKey(Chapter, models.CASCADE, related_name="progress")
    finished_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "chapter"], name="unique_progress")
        ]


class Question(models.Model):
    """A multiple-choice question of a chapter's quiz."""

    chapter = models.ForeignKey(Chapter, models.CASCADE, related_name="questions")
    key = models.SlugField()
    position = models.PositiveIntegerField()
    prompt = models.TextField()
    # Asked as "choose all that apply" even when only one option is correct (more than one always is).
    multiple = models.BooleanField(
        "choose all that apply", default=False,
        help_text="Ask with checkboxes even if only one option is correct; more than one correct always does.",
    )
    retired = models.BooleanField(default=False)

    class Meta:
        ordering = ["chapter", "position"]
        constraints = [
            models.UniqueConstraint(fields=["chapter", "key"], name="unique_question_key")
        ]

    def __str__(self):
        return self.key

    @property
    def prompt_html(self):
        return render_markdown(self.prompt)

    @property
    def multiple_answers(self):
        return self.multiple or sum(1 for o in self.options.all() if o.correct) > 1

    def correct_keys(self):
        return sorted(o.key for o in self.options.all() if o.correct)

    def options_for(self, user):
        """The options in an order shuffled per student but the same on every visit."""
        options = list(self.options.all())
        random.Random(f"{user.pk}:{self.pk}").shuffle(options)
        return options


class Option(models.Model):
    question = models.ForeignKey(Question, models.CASCADE, related_name="options")
    key = models.CharField(max_length=2)
    position = models.PositiveIntegerField()
    text = models.TextField()
    correct = models.BooleanField(default=False)
    explanation = models.TextField()

    class Meta:
        ordering = ["question", "position"]

    @property
    def text_html(self):
        return render_markdown(self.text)

    @property
    def explanation_html(self):
        return render_markdown(self.explanation)


class QuizClosed(Exception):
    """No attempt may be started now; the message says why."""


class QuizAttempt(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="quiz_attempts")
    chapter = models.ForeignKey(Chapter, models.CASCADE, related_name="quiz_attempts")
    created_at = models.DateTimeField(default=timezone.now)
    score = models.PositiveIntegerField()
    max_score = models.PositiveIntegerField()

    class Meta:
        ordering = ["-created_at"]

    def get_absolute_url(self):
        return reverse("quiz_attempt", args=[self.pk])

    @classmethod
    def grade(cls, user, chapter, selections, window: Window | None = None):
        """Score one submission of a quiz; `selections` maps question key -> chosen option keys.

        A question counts when exactly its correct options were chosen (all of them, no others).
        Raises QuizClosed when the chapter's policy, or the student's deadline (`window`), allows no
        further attempt.
        """
        questions = list(chapter.active_questions())
        attempt = cls(user=user, chapter=chapter, score=0, max_score=len(questions))
        answers = []
        for question in questions:
            chosen = sorted(set(selections.get(question.key, [])))
            correct = chosen == question.correct_keys()
            attempt.score += correct
            answers.append(QuizAnswer(question=question, selected=chosen, correct=correct))
        with transaction.atomic():
            # One attempt at a time per student, so two tabs cannot both take the last one.
            get_user_model().objects.select_for_update().get(pk=user.pk)
            closed = chapter.quiz_closed_for(user, window=window)
            if closed:
                raise QuizClosed(closed)
            attempt.save()
            for answer in answers:
                answer.attempt = attempt
            QuizAnswer.objects.bulk_create(answers)
        return attempt

    @staticmethod
    def counted_scores(attempts) -> dict:
        """{(user id, chapter id): the score that counts under the chapter's policy}, over the
        QuizAttempt queryset `attempts`: the best attempt's, or the last one's."""
        scores = {}
        rows = attempts.order_by("created_at", "pk").values_list("user_id", "chapter_id", "chapter__quiz_scoring", "score")
        for user_id, chapter_id, rule, score in rows:
            key = (user_id, chapter_id)
            scores[key] = score if rule == SCORE_LAST or key not in scores else max(scores[key], score)
        return scores


class QuizAnswer(models.Model):
    attempt = models.ForeignKey(QuizAttempt, models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, models.CASCADE, related_name="answers")
    selected = models.JSONField(default=list)
    correct = models.BooleanField()


class InterviewQuestion(models.Model):
    chapter = models.ForeignKey(Chapter, models.CASCADE, related_name="interview_questions")
    key = models.SlugField()
    position = models.PositiveIntegerField()
    prompt = models.TextField()
    model_answer = models.TextField()
    retired = models.BooleanField(default=False)

    class Meta:
        ordering = ["chapter", "position"]
        constraints = [
            models.UniqueConstraint(fields=["chapter", "key"], name="unique_interview_key")
        ]

    @property
    def prompt_html(self):
        return render_markdown(self.prompt)

    @property
    def model_answer_html(self):
        return render_markdown(self.model_answer)


class InterviewAnswer(models.Model):
    """A student's own answer; the model answer is shown once they have written one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="interview_answers")
    question = models.ForeignKey(InterviewQuestion, models.CASCADE, related_name="answers")
    text = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)
    staff_score = models.PositiveSmallIntegerField(null=True, blank=True)
    staff_comment = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "question"], name="unique_interview_answer")
        ]


class Comment(models.Model):
    chapter = models.ForeignKey(Chapter, models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="comments")
    body = models.TextField(max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)
    hidden = models.BooleanField(default=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]

    @property
    def body_html(self):
        return render_markdown(self.body)

    @classmethod
    def visible_in(cls, chapter, user, newest_first=False):
        comments = chapter.comments.select_related("author")
        if not chapter.course.is_staff(user):
            comments = comments.filter(hidden=False)
        return comments.order_by("-created_at", "-pk") if newest_first else comments.order_by("created_at", "pk")
