import ast
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from courses.markdown import render_markdown

from .charts import loss_curve_svg


class SubmissionRejected(Exception):
    """The code cannot be submitted; the message says why. No attempt is used."""


def check_source(code):
    """Reject code that cannot be a Python submission, saying exactly why."""
    if isinstance(code, bytes):
        try:
            code = code.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SubmissionRejected(
                f"Your file is not UTF-8 text (byte 0x{code[exc.start]:02x} at position {exc.start}). "
                "Save it as UTF-8 and try again."
            )
    if "\x00" in code:
        raise SubmissionRejected("Your code contains NUL bytes: it looks like a binary file, not Python source.")
    if "\ufffd" in code:
        raise SubmissionRejected("Your code is not valid UTF-8 text (it contains bytes that are not characters).")
    if not code.strip():
        raise SubmissionRejected("Your code is empty.")
    size, limit = len(code.encode("utf-8")), settings.GRADER_MAX_CODE_BYTES
    if size > limit:
        raise SubmissionRejected(f"Your code is {size / 1024:.1f} KB; the limit is {limit // 1024} KB.")
    try:
        ast.parse(code, filename="submission.py")
    except SyntaxError as exc:
        pointer = ""
        if exc.text:
            pointer = f"\n    {exc.text.rstrip()}\n    {' ' * max((exc.offset or 1) - 1, 0)}^"
        raise SubmissionRejected(f"Syntax error on line {exc.lineno}: {exc.msg}{pointer}")
    except (RecursionError, MemoryError, ValueError):
        raise SubmissionRejected("Your code is too deeply nested for Python to read.")
    return code


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

    def latest_validation(self):
        return self.current_version.validations.first() if self.current_version else None

    def can_publish(self):
        """Publishing from the site needs a passing validation of the current version."""
        return self._latest_validation_is(ExerciseValidation.PASSED)

    def failed_validation(self):
        """A version whose validation failed is never published, whatever the course folder says."""
        return self._latest_validation_is(ExerciseValidation.FAILED)

    def _latest_validation_is(self, status):
        validation = self.latest_validation()
        return validation is not None and validation.status == status

    def set_version(self, spec, spec_source, solution_code):
        """Record a new version if the checks or the reference solution changed."""
        current = self.current_version
        if current and (current.spec, current.spec_source, current.solution_code) == (
            spec, spec_source, solution_code
        ):
            return current
        number = (current.number + 1) if current else 1
        version = ExerciseVersion.objects.create(
            exercise=self, number=number, spec=spec, spec_source=spec_source, solution_code=solution_code
        )
        self.current_version = version
        self.save(update_fields=["current_version"])
        return version


class ExerciseVersion(models.Model):
    """The checks and reference solution an exercise had at one time; submissions point here."""

    exercise = models.ForeignKey(Exercise, models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    spec = models.JSONField()
    # The exercise.yaml text the spec was read from: what export writes back, byte for byte.
    spec_source = models.TextField()
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
    worker = models.CharField(max_length=200, blank=True)  # the Celery worker that started it
    error_message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["exercise", "user"])]

    def get_absolute_url(self):
        return reverse("submission", args=[self.pk])

    @property
    def finished(self):
        return self.status in (self.GRADED, self.ERROR)

    # Both read .all() (newest first, by Meta.ordering) so that prefetch_related serves them.
    @property
    def grade(self):
        return next(iter(self.grades.all()), None)

    @property
    def override(self):
        return next(iter(self.overrides.all()), None)

    @property
    def has_full_marks(self):
        """Full marks on the version it was graded against (an override counts)."""
        score = self.final_score
        return score is not None and score >= self.version.max_score

    @property
    def final_score(self):
        """A staff override wins over the automatic grade (a later regrade does not undo it)."""
        override = self.override
        if override is not None:
            return override.score
        grade = self.grade
        return grade.score if grade else None

    def queue_position(self):
        if self.status != self.QUEUED:
            return None
        return Submission.objects.filter(
            status=self.QUEUED, exercise__device=self.exercise.device, created_at__lt=self.created_at
        ).count() + 1

    @classmethod
    def create_for(cls, user, exercise, code):
        """Check the code and the attempt rules, then save and enqueue a submission."""
        code = check_source(code)
        now = timezone.now()
        with transaction.atomic():
            # One submission at a time per student, even from a double click in two tabs.
            get_user_model().objects.select_for_update().get(pk=user.pk)
            if exercise.deadline and now > exercise.deadline:
                raise SubmissionRejected(f"The deadline ({exercise.deadline:%Y-%m-%d %H:%M %Z}) has passed.")
            mine = exercise.submissions.filter(user=user)
            if mine.filter(status__in=[cls.QUEUED, cls.RUNNING]).exists():
                raise SubmissionRejected(
                    "Your previous submission is still being graded: wait for its result before submitting again."
                )
            if exercise.attempts_left(user) == 0:
                raise SubmissionRejected(f"You have used all {exercise.max_attempts} attempts for this exercise.")
            last = mine.filter(counts_as_attempt=True).order_by("-created_at").first()
            if last and exercise.min_interval_s:
                wait = exercise.min_interval_s - (now - last.created_at).total_seconds()
                if wait > 0:
                    raise SubmissionRejected(
                        f"Wait {int(wait) + 1} more seconds before submitting again "
                        f"(this exercise allows one submission every {exercise.min_interval_s} seconds)."
                    )
            submission = cls.objects.create(
                user=user, exercise=exercise, version=exercise.current_version, code=code,
                created_at=now, enqueued_at=now,
            )
            submission.enqueue()
        return submission

    def enqueue(self):
        """Send the grading task once the row is committed (a task must never see a missing row)."""
        from .tasks import enqueue_grading

        transaction.on_commit(lambda: enqueue_grading(self.pk, self.exercise.queue))

    @classmethod
    def stuck_in_queue(cls):
        """Queued for longer than GRADER_STUCK_AFTER_S: the broker may have lost the task."""
        cutoff = timezone.now() - timedelta(seconds=settings.GRADER_STUCK_AFTER_S)
        return cls.objects.filter(status=cls.QUEUED, enqueued_at__lt=cutoff)

    @classmethod
    def orphaned(cls):
        """Running, but the worker that started it stopped sending heartbeats (it was killed),
        or it has run past the task's hard time limit."""
        now = timezone.now()
        alive = WorkerHeartbeat.objects.filter(
            last_seen__gte=now - timedelta(seconds=settings.GRADER_WORKER_STALE_S)
        ).values_list("hostname", flat=True)
        overdue = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)
        return cls.objects.filter(status=cls.RUNNING).filter(
            ~models.Q(worker__in=list(alive)) | models.Q(started_at__lt=overdue)
        )


class Grade(models.Model):
    """One grading of a submission. A regrade adds a row; the newest is the one that counts."""

    submission = models.ForeignKey(Submission, models.CASCADE, related_name="grades")
    # What asked for this grading ("submit:<id>" or "regrade:<uuid>"): unique, so a task the
    # broker delivers twice cannot grade twice.
    request = models.CharField(max_length=64, unique=True)
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
    # What the hidden checks' job printed and how it ended: for staff only, never for the student.
    staff_output = models.TextField(blank=True)
    loss_history = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def passed_all(self):
        return self.score >= self.max_score

    @property
    def loss_curve(self):
        return loss_curve_svg(self.loss_history) if self.loss_history else ""


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


class WorkerHeartbeat(models.Model):
    """Workers say which queues they serve, so a page can tell that no GPU worker is online."""

    hostname = models.CharField(max_length=200, unique=True)
    queues = models.JSONField(default=list)
    last_seen = models.DateTimeField()

    @classmethod
    def serving(cls, queue):
        cutoff = timezone.now() - timedelta(seconds=settings.GRADER_WORKER_STALE_S)
        return any(queue in beat.queues for beat in cls.objects.filter(last_seen__gte=cutoff))


class ExerciseValidation(models.Model):
    """A run of an exercise version's reference solution and starter code through the real grader."""

    PENDING, PASSED, FAILED = "pending", "passed", "failed"

    version = models.ForeignKey(ExerciseVersion, models.CASCADE, related_name="validations")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=8, default=PENDING)
    max_score = models.FloatField(null=True)
    reference_score = models.FloatField(null=True)
    starter_score = models.FloatField(null=True)
    reference_seconds = models.FloatField(null=True)
    reference_peak_memory_bytes = models.BigIntegerField(null=True)
    problems = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def record(self, validation):
        """Store the outcome of grader.validation.validate(); unpublish the exercise if it failed."""
        self.status = self.PASSED if validation.ok else self.FAILED
        self.problems = "\n".join(validation.problems)
        if validation.reference:
            self.max_score = validation.reference.max_score
            self.reference_score = validation.reference.score
            self.reference_seconds = validation.reference.seconds
            self.reference_peak_memory_bytes = validation.reference.peak_memory_bytes
        if validation.starter:
            self.starter_score = validation.starter.score
        self.save()
        if not validation.ok:
            Exercise.objects.filter(current_version=self.version).update(published=False)


class ScoreOverride(models.Model):
    submission = models.ForeignKey(Submission, models.CASCADE, related_name="overrides")
    score = models.FloatField()
    reason = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]


class RegradeBatch(models.Model):
    """Every graded submission of an exercise, regraded in the background against one version."""

    exercise = models.ForeignKey(Exercise, models.CASCADE, related_name="regrade_batches")
    version = models.ForeignKey(ExerciseVersion, models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    @property
    def finished(self):
        return self.done >= self.total


class AuditEntry(models.Model):
    """Who changed which grade, when, from what to what, and why."""

    OVERRIDE, REGRADE, INTERVIEW_REVIEW = "override", "regrade", "interview_review"

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=20)
    course = models.ForeignKey("courses.Course", models.CASCADE, related_name="audit_entries")
    submission = models.ForeignKey(Submission, models.SET_NULL, null=True, blank=True, related_name="audit_entries")
    subject = models.CharField(max_length=300)
    before = models.CharField(max_length=100, blank=True)
    after = models.CharField(max_length=100, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
