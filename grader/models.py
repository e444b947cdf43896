import ast
import logging
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.urls import reverse
from django.utils import timezone

from courses.markdown import render_markdown
from judging.harness_file import HARNESS_DIGEST
from judging.spec import ExerciseSpec
from runs.late import Window
from torchgrade import metrics
from torchgrade.queues import background_queue

from . import jobs
from .charts import loss_curve_svg

log = logging.getLogger("torchgrade.submissions")

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


# The most characters of one stored text (a check's message, an output, the staff output): a
# student's exception can carry megabytes, and every page that shows it would carry them too.
STORED_TEXT_LIMIT = 64 * 1024


def storable_text(text: str) -> str:
    """`text` as every database can store it and every page can show it, with what could not be
    stored still visible.

    PostgreSQL refuses NUL in text, so each NUL becomes the four characters `\\x00`; no UTF-8
    encoder (SQLite's, PostgreSQL's driver) accepts a lone surrogate, so each becomes U+FFFD.
    Invalid UTF-8 from a job's output was already decoded to U+FFFD by the sandbox. Past
    STORED_TEXT_LIMIT characters the rest is dropped and counted: "… N more characters".
    """
    text = _LONE_SURROGATE.sub("\ufffd", text.replace("\x00", "\\x00"))
    if len(text) <= STORED_TEXT_LIMIT:
        return text
    return f"{text[:STORED_TEXT_LIMIT]}\n… {len(text) - STORED_TEXT_LIMIT} more characters"


def _storable(model, values: dict) -> dict:
    """`values` for `model` with every text and char field made storable."""
    text_fields = {field.name for field in model._meta.get_fields()
                   if isinstance(field, (models.CharField, models.TextField))}
    return {name: storable_text(value) if name in text_fields else value for name, value in values.items()}


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

    def newest_validation(self):
        """The newest validation of any version: a failed one may be newer than the current version's."""
        return ExerciseValidation.objects.filter(version__exercise=self).select_related("version").first()

    def can_publish(self):
        """Publishing from the site needs a passing validation of the current version."""
        return self._latest_validation_is(ExerciseValidation.PASSED)

    def failed_validation(self):
        """A version whose validation failed is never published, whatever the course folder says."""
        return self._latest_validation_is(ExerciseValidation.FAILED)

    def publish_refusal(self):
        """Why the exercise cannot be published now, or None when it can."""
        if self.can_publish():
            return None
        validation = self.latest_validation()
        number = self.current_version.number
        if validation is None:
            return f"version {number} has not been validated: validate it, then publish."
        if validation.status == validation.PENDING:
            return f"the validation of version {number} is still running."
        return f"version {number} failed validation: {validation.problems}"

    def _latest_validation_is(self, status):
        validation = self.latest_validation()
        return validation is not None and validation.status == status

    def set_version(self, spec, spec_source, solution_code):
        """Record a new version if the checks or the reference solution changed. A folder that still
        holds the newest version, withdrawn after it failed validation, makes no new one (and no
        validation at each import): students keep the version they have."""
        current, newest = self.current_version, self.versions.order_by("number").last()
        for version in (current, newest):
            if version and version.is_same(spec, spec_source, solution_code):
                return version
        number = (newest.number + 1) if newest else 1
        version = ExerciseVersion.objects.create(
            exercise=self, number=number, spec=spec, spec_source=spec_source, solution_code=solution_code
        )
        self.current_version = version
        self.save(update_fields=["current_version"])
        return version


class SpecField(models.JSONField):
    """An ExerciseSpec stored as its JSON (judging.spec): typed in Python, plain JSON in the database."""

    def from_db_value(self, value, expression, connection):
        data = super().from_db_value(value, expression, connection)
        return None if data is None else ExerciseSpec.from_json(data)

    def to_python(self, value):
        return ExerciseSpec.from_json(value) if isinstance(value, dict) else value

    def get_prep_value(self, value):
        return super().get_prep_value(value.to_json() if isinstance(value, ExerciseSpec) else value)

    def value_to_string(self, obj):
        """What dumpdata writes: the JSON form."""
        value = self.value_from_object(obj)
        return value.to_json() if isinstance(value, ExerciseSpec) else value


class ExerciseVersion(models.Model):
    """The checks and reference solution an exercise had at one time; submissions point here."""

    exercise = models.ForeignKey(Exercise, models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    spec = SpecField()
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
        return self.spec.max_score

    def is_same(self, spec, spec_source, solution_code):
        """Whether these are this version's checks, source and reference: the one test of a version change."""
        return (self.spec, self.spec_source, self.solution_code) == (spec, spec_source, solution_code)


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
    def create_for(cls, user, exercise, code, window: Window | None = None):
        """Check the code and the attempt rules, then save and enqueue a submission. `window`: the
        student's deadline and late policy in their run (runs.schedule); default: the exercise's
        own deadline, no late work."""
        code = check_source(code)
        window = window or Window(exercise.deadline)
        now = timezone.now()
        with transaction.atomic():
            # One submission at a time per student, even from a double click in two tabs.
            get_user_model().objects.select_for_update().get(pk=user.pk)
            closed = window.refusal(now)
            if closed:
                raise SubmissionRejected(closed)
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
            version = exercise.current_version
            reference = ReferenceAnswers.claim_for(version)
            submission = cls.objects.create(
                user=user, exercise=exercise, version=version, code=code, created_at=now, enqueued_at=now,
                **({"seed": reference.seed} if reference else {}),
            )
            if reference:
                reference.submission = submission
                reference.save(update_fields=["submission"])
            submission.enqueue()
        if reference is None or ReferenceAnswers.unclaimed(version).count() < settings.GRADER_REFERENCE_POOL_SIZE / 2:
            jobs.fill_reference_pool(version.pk, exercise.queue)
        return submission

    # The life of a submission: queued -> running -> graded, or error when we give up on it (never
    # charged to the student). Its status changes only through the methods below.

    def enqueue(self, countdown: float = 0, **options) -> None:
        """Send the grading task once the row is committed (a task must never see a missing row)."""
        transaction.on_commit(lambda: jobs.grade_submission_task.apply_async(
            (self.pk,), queue=self.exercise.queue, countdown=countdown, **options))

    @classmethod
    def claim(cls, pk: int, worker_id: str) -> "Submission | None":
        """Mark a submission running on `worker_id` and return it; None when there is nothing to
        grade: it is finished (the task was delivered again), or it was delivered too often
        without a grade (workers dying on it), which fails it. Raises Submission.DoesNotExist
        when this database has no such submission."""
        with transaction.atomic():
            submission = cls.objects.select_for_update().get(pk=pk)
            if submission.finished:
                return None
            if submission.deliveries >= settings.GRADER_MAX_DELIVERIES:
                submission.fail("The grader could not finish this submission. It does not count as an attempt.")
                return None
            submission.status, submission.worker = cls.RUNNING, worker_id
            submission.started_at = timezone.now()
            submission.deliveries += 1
            submission.save(update_fields=["status", "worker", "started_at", "deliveries"])
        log.info("submission running", extra={"submission": pk, "worker": worker_id,
                                              "delivery": submission.deliveries})
        return submission

    def requeue(self, countdown: float = 0) -> bool:
        """Queue this submission again and send its task (`countdown` seconds later, ahead of new
        submissions); False if it moved since this object was read (another worker claimed or
        finished it meanwhile)."""
        if self.finished:
            return False
        now = timezone.now()
        with transaction.atomic():
            moved = Submission.objects.filter(
                pk=self.pk, status=self.status, worker=self.worker, deliveries=self.deliveries
            ).update(status=self.QUEUED, enqueued_at=now)
            if moved:
                self.enqueue(countdown, priority=settings.GRADER_URGENT_PRIORITY)
        if moved:
            log.warning("submission queued again", extra={"submission": self.pk, "was": self.status,
                                                          "worker": self.worker, "countdown_s": countdown})
            self.status, self.enqueued_at = self.QUEUED, now
        return bool(moved)

    def record_grade(self, request: str, version: "ExerciseVersion", result: dict, checks: list[dict]) -> "Grade | None":
        """Store one grading (`result`: the Grade's fields; `checks`: one CheckResult's fields each)
        and mark the submission graded. None if `request` was saved already: a task the broker
        delivered twice grades once. Text from the student's run is made storable here."""
        with transaction.atomic():
            locked = Submission.objects.select_for_update().get(pk=self.pk)
            if Grade.objects.filter(request=request).exists():
                return None
            grade = Grade.objects.create(submission=locked, request=request, version=version, seed=locked.seed,
                                         **_storable(Grade, result))
            CheckResult.objects.bulk_create(CheckResult(grade=grade, **_storable(CheckResult, check))
                                            for check in checks)
            locked.status, locked.finished_at, locked.error_message = self.GRADED, timezone.now(), ""
            locked.save(update_fields=["status", "finished_at", "error_message"])
        self.status, self.finished_at, self.error_message = locked.status, locked.finished_at, ""
        log.info("submission graded", extra={"submission": self.pk, "request": request, "score": grade.score,
                                             "max_score": grade.max_score})
        return grade

    def fail(self, message: str) -> None:
        """Give up on this submission, as our fault: the student sees `message`, and it does not
        count as an attempt. A finished submission stays as it is."""
        now, message = timezone.now(), storable_text(message)
        failed = Submission.objects.filter(pk=self.pk, status__in=[self.QUEUED, self.RUNNING]).update(
            status=self.ERROR, error_message=message, counts_as_attempt=False, finished_at=now)
        if failed:
            log.error("submission failed", extra={"submission": self.pk, "reason": message})
            metrics.record_grading(self, "error")
            self.status, self.error_message, self.counts_as_attempt, self.finished_at = (
                self.ERROR, message, False, now)

    @classmethod
    def stuck_in_queue(cls):
        """Queued for longer than GRADER_STUCK_AFTER_S: the broker may have lost the task."""
        cutoff = timezone.now() - timedelta(seconds=settings.GRADER_STUCK_AFTER_S)
        return cls.objects.filter(status=cls.QUEUED, enqueued_at__lt=cutoff)

    @classmethod
    def orphaned(cls):
        """Running, but the worker start that claimed it stopped sending heartbeats (it was killed:
        a replacement with the same hostname has an id of its own), or it has run past the task's
        hard time limit."""
        overdue = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)
        return cls.objects.filter(status=cls.RUNNING).filter(
            ~models.Q(worker__in=WorkerHeartbeat.alive().values("worker_id")) | models.Q(started_at__lt=overdue)
        )


def this_harness() -> str:
    """The digest of the harness this release runs (a callable default: no migration per harness change)."""
    return HARNESS_DIGEST


class ReferenceAnswers(models.Model):
    """The reference solution's answers for one exercise version on one secret seed, computed
    ahead (grader/reference_pool.py) so that grading runs only the student's code.

    Each serves exactly one submission, whose seed it gives: no two submissions share inputs, and
    a seed is drawn with `secrets` and never leaves the trusted side, so the pool makes no input
    easier to guess than a seed drawn at submission time. A regrade against the same version
    reuses its submission's answers; against another version the reference runs again. Entries
    made by another harness (judging.evaluation.HARNESS_DIGEST) are neither claimed nor read: it
    may answer in another form.
    """

    version = models.ForeignKey(ExerciseVersion, models.CASCADE, related_name="reference_answers")
    seed = models.BigIntegerField(default=new_seed)
    harness = models.CharField(max_length=16, default=this_harness)
    # The reference run's data in the sandbox's wire format (decoded as data, never unpickled).
    answers = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)
    submission = models.OneToOneField(Submission, models.SET_NULL, null=True, blank=True, related_name="reference")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "seed"], name="unique_reference_seed")]

    @classmethod
    def unclaimed(cls, version: ExerciseVersion):
        return cls.objects.filter(version=version, submission=None, harness=HARNESS_DIGEST)

    @classmethod
    def claim_for(cls, version: ExerciseVersion) -> "ReferenceAnswers | None":
        """An unclaimed entry of `version`, locked until the caller's transaction ends (two
        submissions never take the same one); None when the pool is empty."""
        pool = cls.unclaimed(version).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            pool = pool.select_for_update(skip_locked=True)
        return pool.first()

    @classmethod
    def for_grading(cls, version: ExerciseVersion, seed: int) -> bytes | None:
        answers = cls.objects.filter(version=version, seed=seed, harness=HARNESS_DIGEST).values_list(
            "answers", flat=True).first()
        return bytes(answers) if answers is not None else None


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
    """One start of a Celery worker: the queues it serves, when its main process last said it was
    alive, and whether the sandbox of its pool processes last ran a canary job."""

    # New at each start and shared by the worker's pool processes, which claim submissions with
    # it: a replacement started with the same hostname does not make the dead one look alive.
    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=200)  # Celery's node name, for people; kept across restarts
    queues = models.JSONField(default=list)
    last_seen = models.DateTimeField()
    canary_ok = models.BooleanField(null=True)
    canary_at = models.DateTimeField(null=True)

    # A dead worker's row stays this long, for the admins' queue page, before the sweep drops it.
    KEPT_AFTER_DEATH = timedelta(days=1)

    @classmethod
    def beat(cls, worker_id: str, hostname: str, queues: list[str]) -> None:
        cls.objects.update_or_create(worker_id=worker_id, defaults={
            "hostname": hostname, "queues": queues, "last_seen": timezone.now()})

    @classmethod
    def record_canary(cls, worker_id: str, ok: bool) -> None:
        cls.objects.filter(worker_id=worker_id).update(canary_ok=ok, canary_at=timezone.now())

    @classmethod
    def alive(cls):
        return cls.objects.filter(last_seen__gte=timezone.now() - timedelta(seconds=settings.GRADER_WORKER_STALE_S))

    @classmethod
    def serving(cls, queue: str) -> bool:
        return any(queue in beat.queues for beat in cls.alive())

    @classmethod
    def able_to_grade(cls, queue: str) -> list["WorkerHeartbeat"]:
        """Live workers of `queue` whose sandbox passed its latest canary, recently."""
        cutoff = timezone.now() - timedelta(seconds=settings.GRADER_CANARY_STALE_S)
        return [beat for beat in cls.alive().filter(canary_ok=True, canary_at__gte=cutoff).order_by("hostname")
                if queue in beat.queues]

    @classmethod
    def forget_the_long_dead(cls) -> None:
        cls.objects.filter(last_seen__lt=timezone.now() - cls.KEPT_AFTER_DEATH).delete()


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

    @classmethod
    def request(cls, exercise: Exercise, actor=None) -> "ExerciseValidation":
        """Validate the exercise's current version in the background (a worker of its queue)."""
        validation = cls.objects.create(version=exercise.current_version, requested_by=actor)
        # On a background worker: with its self-tests a validation takes one for a while.
        transaction.on_commit(lambda: jobs.validate_exercise_task.apply_async(
            (validation.pk,), queue=background_queue(exercise.queue), priority=settings.GRADER_BACKGROUND_PRIORITY))
        return validation

    @classmethod
    def request_for_course(cls, course, actor=None) -> int:
        """Validate every exercise of `course` whose current version never was; return how many."""
        pending = Exercise.objects.filter(chapter__course=course, retired=False, current_version__validations=None)
        for exercise in pending:
            cls.request(exercise, actor)
        return len(pending)

    def defer(self, validation, time_scale: float) -> None:
        """A validation that failed while a run hit its time limit, perhaps for our load: it stays
        pending (the exercise as it was), saying why, until it runs again with more time."""
        self.problems = storable_text(
            f"A run hit its time limit, perhaps because the machine was busy: this validation runs again when "
            f"the queue is quiet, with {time_scale:g}x the time, before anything changes. What it saw:\n"
            + "\n".join(validation.problems))
        self.save(update_fields=["problems"])

    def record(self, validation):
        """Store the outcome of grader.validation.validate(); a failed version is withdrawn."""
        self.status = self.PASSED if validation.ok else self.FAILED
        self.problems = storable_text("\n".join(validation.problems))
        if validation.reference:
            self.max_score = validation.reference.max_score
            self.reference_score = validation.reference.score
            self.reference_seconds = validation.reference.seconds
            self.reference_peak_memory_bytes = validation.reference.peak_memory_bytes
        if validation.starter:
            self.starter_score = validation.starter.score
        self.save()
        if not validation.ok:
            self._withdraw_the_version()

    def _withdraw_the_version(self):
        """A version that failed validation grades no one: students go back to the exercise's last
        version that passed, still published; an exercise that never had one is unpublished. Staff
        see the failure on the exercise's admin page (its newest validation) and in the log."""
        exercise = self.version.exercise
        good = (exercise.versions.filter(validations__status=self.PASSED).exclude(pk=self.version_id)
                .order_by("-number").first())
        if good is None:
            Exercise.objects.filter(current_version=self.version).update(published=False)
            return
        if Exercise.objects.filter(pk=exercise.pk, current_version=self.version).update(current_version=good):
            log.error("version %s of %s failed validation: students keep version %s", self.version.number,
                      exercise, good.number, extra={"exercise": exercise.pk, "problems": self.problems[:2000]})


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
    done = models.PositiveIntegerField(default=0)  # regrades finished, failed ones included
    failed = models.PositiveIntegerField(default=0)  # regrades that could not grade (the old grade stands)

    class Meta:
        ordering = ["-created_at"]

    @property
    def finished(self):
        return self.done >= self.total

    @classmethod
    def count_regrade(cls, pk: int, graded: bool) -> None:
        """One more regrade of the batch finished; a failed one counts too, or the batch never ends."""
        cls.objects.filter(pk=pk).update(done=models.F("done") + 1, failed=models.F("failed") + (0 if graded else 1))


class AuditEntry(models.Model):
    """Who changed which grade, when, from what to what, and why."""

    OVERRIDE, REGRADE, INTERVIEW_REVIEW = "override", "regrade", "interview_review"
    # Changes to who takes a run and when its work is due (the runs app): they move grades too.
    ROSTER, DUE_DATE, EXTENSION = "roster", "due_date", "extension"

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

    @classmethod
    def record(cls, actor, action: str, course, subject: str, before: float | str | None,
               after: float | str | None, reason: str = "", submission: "Submission | None" = None) -> "AuditEntry":
        """`before` and `after`: a score, or a short text (a deadline, a role)."""
        return cls.objects.create(actor=actor, action=action, course=course, subject=subject[:300],
                                  submission=submission, before=_audit_text(before), after=_audit_text(after),
                                  reason=reason)

    @classmethod
    def record_for(cls, actor, action: str, submission: "Submission", before: float | None, after: float | None,
                   reason: str = "") -> "AuditEntry":
        """An entry about one submission's score."""
        subject = f"{submission.exercise.title}: submission {submission.pk} by {submission.user.get_username()}"
        return cls.record(actor, action, submission.exercise.chapter.course, subject, before, after, reason, submission)


def _audit_text(value: float | str | None) -> str:
    if value is None:
        return ""
    return value[:100] if isinstance(value, str) else f"{value:g}"
