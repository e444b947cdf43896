import random

from django.conf import settings
from django.db import models
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from .markdown import render_markdown


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
        """The chapters `user` may read, each annotated in one query with `finished`,
        `best_score` (their best quiz attempt) and `question_count`."""
        return self.chapters_for(user).annotate(
            finished=models.Exists(ChapterProgress.objects.filter(user=user, chapter=models.OuterRef("pk"))),
            best_score=Max("quiz_attempts__score", filter=models.Q(quiz_attempts__user=user)),
            question_count=models.Count("questions", filter=models.Q(questions__retired=False), distinct=True),
        )

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
    published = models.BooleanField(default=True)
    # A chapter removed from the course folder keeps its students' progress and answers.
    retired = models.BooleanField(default=False)

    class Meta:
        ordering = ["course", "position"]
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="unique_chapter_slug")
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.body_html = render_markdown(self.body)
        super().save(*args, **kwargs)

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

    def exercises_for(self, user):
        """The chapter's graded exercises (the grader app owns them) this user may open."""
        exercises = self.exercises.filter(retired=False).select_related("current_version")
        if not self.course.is_staff(user):
            exercises = exercises.filter(published=True)
        return exercises



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
        return sum(1 for o in self.options.all() if o.correct) > 1

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
    def grade(cls, user, chapter, selections):
        """Score one submission of a quiz; `selections` maps question key -> chosen option keys.

        A question counts when exactly its correct options were chosen (all of them, no others).
        """
        questions = list(chapter.active_questions())
        attempt = cls(user=user, chapter=chapter, score=0, max_score=len(questions))
        answers = []
        for question in questions:
            chosen = sorted(set(selections.get(question.key, [])))
            correct = chosen == question.correct_keys()
            attempt.score += correct
            answers.append(QuizAnswer(question=question, selected=chosen, correct=correct))
        attempt.save()
        for answer in answers:
            answer.attempt = attempt
        QuizAnswer.objects.bulk_create(answers)
        return attempt


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
    def visible_in(cls, chapter, user):
        comments = chapter.comments.select_related("author")
        if not chapter.course.is_staff(user):
            comments = comments.filter(hidden=False)
        return comments
