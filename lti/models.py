"""The LMSs this site is an LTI 1.3 tool of, and what they told it.

A Platform is one registration (issuer and client id) made by staff in the admin; its deployment
ids are the LMS installations allowed to launch. An LMS user is matched by the platform and the
`sub` claim (LtiIdentity), never by e-mail. An LMS course (its `context`) is linked to one
CourseRun (ContextLink); each placed item (ResourceLink) is an exercise or a chapter's quiz with
its line item in the LMS gradebook. ScoreSend is the outbox of scores to send there: a row is
kept until the LMS took it, so that no score is lost while the LMS is down.

Trusted: what the admin registered, and the claims of an id_token whose signature, audience,
nonce and expiry lti.launch checked. The tool's private keys are not here: see lti.keys.
"""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Platform(models.Model):
    name = models.CharField(max_length=200, help_text="For people: “University Moodle”.")
    issuer = models.URLField("issuer (iss)", max_length=500)
    client_id = models.CharField(max_length=300, help_text="The client id the LMS gave this tool.")
    auth_login_url = models.URLField("authentication request URL", max_length=500)
    auth_token_url = models.URLField("access token URL", max_length=500)
    auth_audience = models.CharField(
        "token audience", max_length=500, blank=True,
        help_text="The aud of the tool's token requests, when the LMS wants another than its token URL.")
    key_set_url = models.URLField("public keyset URL", max_length=500)
    courses = models.ManyToManyField(
        "courses.Course", blank=True, related_name="lti_platforms",
        help_text="The courses this LMS may place; its instructors become these courses' instructors.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "client_id"], name="unique_lti_platform")]

    def __str__(self):
        return self.name

    @property
    def origin(self) -> str:
        """Where the LMS's pages come from: the only site allowed to frame launched pages."""
        parts = urlsplit(self.issuer)
        return f"{parts.scheme}://{parts.netloc}"


class Deployment(models.Model):
    platform = models.ForeignKey(Platform, models.CASCADE, related_name="deployments")
    deployment_id = models.CharField(max_length=300)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["platform", "deployment_id"], name="unique_lti_deployment")]

    def __str__(self):
        return self.deployment_id


class ToolKey(models.Model):
    """One of the tool's RSA key pairs. The private half is a file (lti.keys), the public half is
    published in the tool's JWKS until the key is retired; the newest active key signs."""

    kid = models.CharField(max_length=100, unique=True)
    public_pem = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.kid


class UsedNonce(models.Model):
    """A launch's nonce, kept so that the same id_token is never accepted twice."""

    platform = models.ForeignKey(Platform, models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=200)
    used_at = models.DateTimeField(default=timezone.now, db_index=True)

    KEPT = timedelta(days=2)  # far longer than any id_token lives

    class Meta:
        constraints = [models.UniqueConstraint(fields=["platform", "nonce"], name="unique_lti_nonce")]

    @classmethod
    def forget_old(cls) -> None:
        cls.objects.filter(used_at__lt=timezone.now() - cls.KEPT).delete()


class LtiIdentity(models.Model):
    platform = models.ForeignKey(Platform, models.CASCADE, related_name="identities")
    sub = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="lti_identities")

    class Meta:
        verbose_name_plural = "LTI identities"
        constraints = [models.UniqueConstraint(fields=["platform", "sub"], name="unique_lti_sub")]

    def __str__(self):
        return f"{self.sub} at {self.platform}"


class ContextLink(models.Model):
    """An LMS course linked to one run; its service URLs come with each launch."""

    platform = models.ForeignKey(Platform, models.CASCADE, related_name="contexts")
    deployment_id = models.CharField(max_length=300)
    context_id = models.CharField(max_length=255)
    title = models.CharField(max_length=300, blank=True)
    run = models.ForeignKey("runs.CourseRun", models.CASCADE, related_name="lti_contexts")
    memberships_url = models.URLField("NRPS memberships URL", max_length=500, blank=True)
    lineitems_url = models.URLField("AGS line items URL", max_length=500, blank=True)
    ags_scopes = models.JSONField(default=list, blank=True)
    roster_synced_at = models.DateTimeField(null=True, blank=True)
    roster_sync_error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["platform", "context_id"], name="unique_lti_context")]

    def __str__(self):
        return f"{self.title or self.context_id} ({self.platform}) → {self.run}"


class ResourceLink(models.Model):
    """An exercise or a chapter's quiz placed in an LMS course, and its line item there."""

    context = models.ForeignKey(ContextLink, models.CASCADE, related_name="resource_links")
    resource_link_id = models.CharField(max_length=255)
    title = models.CharField(max_length=300, blank=True)
    exercise = models.ForeignKey("grader.Exercise", models.CASCADE, null=True, blank=True, related_name="+")
    quiz = models.ForeignKey("courses.Chapter", models.CASCADE, null=True, blank=True, related_name="+",
                             help_text="The chapter whose quiz this is.")
    chapter = models.ForeignKey("courses.Chapter", models.CASCADE, null=True, blank=True, related_name="+",
                                help_text="A chapter to read (no score).")
    lineitem_url = models.URLField("AGS line item URL", max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["context", "resource_link_id"], name="unique_lti_resource_link"),
            models.CheckConstraint(
                condition=Q(exercise__isnull=False, quiz=None, chapter=None)
                | Q(exercise=None, quiz__isnull=False, chapter=None)
                | Q(exercise=None, quiz=None, chapter__isnull=False),
                name="lti_resource_link_names_one_item"),
        ]

    def __str__(self):
        return self.title or self.resource_link_id


class ScoreSend(models.Model):
    """One score to put on a line item for one student; kept, with every failure, until sent.

    Only the newest row of a (line item, student) is sent: an older pending one is superseded by
    it, so a retry never puts back a score the student no longer has."""

    PENDING, SENT, SUPERSEDED = "pending", "sent", "superseded"
    STATUSES = [(PENDING, "pending"), (SENT, "sent"), (SUPERSEDED, "superseded")]

    resource_link = models.ForeignKey(ResourceLink, models.CASCADE, related_name="score_sends")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    score_given = models.FloatField()
    score_maximum = models.FloatField()
    because = models.CharField(max_length=100, help_text="What changed the score: a grading, an override, a quiz.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(max_length=10, choices=STATUSES, default=PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.score_given:g}/{self.score_maximum:g} for {self.user} on {self.resource_link}"
