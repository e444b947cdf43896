import secrets
from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from courses.markdown import render_markdown


def new_seed():
    return secrets.randbits(62)


class Exercise(models.Model):
    DEVICES = [("cpu", "CPU"), ("cuda", "CUDA GPU"), ("any", "CPU or GPU")]

    chapter = models.ForeignKey("courses.Chapter", models.CASCADE, related_name="exercises")
    slug = models.SlugField()
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    prompt = models.TextField()
    starter_code = models.TextField()
    device = models.CharField(max_length=4, choices=DEVICES, default="cpu")
    max_attempts = models.PositiveIntegerField(null=True, blank=True)
    min_interval_s = models.PositiveIntegerField(default=0)
    deadline = models.DateTimeField(null=True, blank=True)
    published = models.BooleanField(default=True)
    retired = models.BooleanField(default=False)
    current_version = models.ForeignKey(
        "ExerciseVersion", models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["chapter", "position"]
        constraints = [
            models.UniqueConstraint(fields=["chapter", "slug"], name="unique_exercise_slug")
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("exercise", args=[self.chapter.course.slug, self.chapter.slug, self.slug])

    @property
    def prompt_html(self):
        return render_markdown(self.prompt)

    @property
    def spec(self):
        return self.current_version.spec

    @property
    def points(self):
        return self.current_version.max_score

    @property
    def queue(self):
        return "gpu" if self.device == "cuda" else "cpu"

    def is_visible_to(self, user):
        return not self.retired and self.chapter.is_visible_to(user) and (
            self.published or self.chapter.course.is_staff(user)
        )

    def counted_submissions(self, user):
        return self.submissions.filter(user=user, counts_as_attempt=True)

    def attempts_left(self, user):
        if self.max_attempts is None:
            return None
        return max(0, self.max_attempts - self.counted_submissions(user).count())

    def set_version(self, spec, solution_code):
        """Record a new version if the checks or the reference solution changed."""
        current = self.current_version
        if current and current.spec == spec and current.solution_code == solution_code:
            return current
        number = (current.number + 1) if current else 1
        version = ExerciseVersion.objects.create(
            exercise=self, number=number, spec=spec, solution_code=solution_code
        )
        self.current_version = version
        self.save(update_fields=["current_version"])
        return version


class ExerciseVersion(models.Model):
    """The checks and reference solution an exercise had at one time; submissions point here."""

    exercise = models.ForeignKey(Exercise, models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    spec = models.JSONField()
    solution_code = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["exercise", "number"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "number"], name="unique_version_number")
        ]

    def __str__(self):
        return f"{self.exercise} v{self.number}"

    @property
    def max_score(self):
        return sum(check["points"] for check in self.spec["checks"])


class Submission(models.Model):
    QUEUED, RUNNING, GRADED, ERROR = "queued", "running", "graded", "error"
    STATUSES = [(QUEUED, "queued"), (RUNNING, "running"), (GRADED, "graded"), (ERROR, "error")]

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="submissions")
    exercise = models.ForeignKey(Exercise, models.CASCADE, related_name="submissions")
    version = models.ForeignKey(ExerciseVersion, models.PROTECT, related_name="submissions")
    code = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(max_length=8, choices=STATUSES, default=QUEUED, db_index=True)
    # Secret: the per-submission inputs are drawn from it, so it never leaves the trusted side
    # before grading, and the student's code sees only the inputs, never the seed's other uses.
    seed = models.BigIntegerField(default=new_seed)
    counts_as_attempt = models.BooleanField(default=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    deliveries = models.PositiveIntegerField(default=0)
    error_message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["exercise", "user"])]

    def get_absolute_url(self):
        return reverse("submission", args=[self.pk])

    @property
    def finished(self):
        return self.status in (self.GRADED, self.ERROR)

    @property
    def grade(self):
        return self.grades.order_by("-created_at").first()

    def queue_position(self):
        if self.status != self.QUEUED:
            return None
        return Submission.objects.filter(
            status=self.QUEUED, exercise__device=self.exercise.device, created_at__lt=self.created_at
        ).count() + 1

    def enqueue(self):
        """Send the grading task once the row is committed (a task must never see a missing row)."""
        from .tasks import enqueue_grading

        transaction.on_commit(lambda: enqueue_grading(self.pk, self.exercise.queue))

    @classmethod
    def stuck(cls, older_than):
        """Submissions whose task was lost (worker or broker died): queued or running for too long."""
        cutoff = timezone.now() - older_than
        return cls.objects.filter(
            models.Q(status=cls.QUEUED, enqueued_at__lt=cutoff)
            | models.Q(status=cls.RUNNING, started_at__lt=cutoff)
        )


class Grade(models.Model):
    """One grading of a submission. A regrade adds a row; the newest is the one that counts."""

    submission = models.ForeignKey(Submission, models.CASCADE, related_name="grades")
    version = models.ForeignKey(ExerciseVersion, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    score = models.FloatField()
    max_score = models.FloatField()
    seed = models.BigIntegerField()
    torch_version = models.CharField(max_length=40)
    device = models.CharField(max_length=10)
    sandbox_status = models.CharField(max_length=20)
    wall_s = models.FloatField(default=0)
    cpu_s = models.FloatField(default=0)
    peak_memory_bytes = models.BigIntegerField(default=0)
    stdout = models.TextField(blank=True)
    stderr = models.TextField(blank=True)
    error = models.TextField(blank=True)
    loss_history = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def passed_all(self):
        return self.score >= self.max_score


class CheckResult(models.Model):
    grade = models.ForeignKey(Grade, models.CASCADE, related_name="checks")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20)
    hidden = models.BooleanField(default=False)
    passed = models.BooleanField()
    points = models.FloatField()
    max_points = models.FloatField()
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["grade", "position"]
