from django.contrib import admin, messages

from . import jobs, keys
from .models import ContextLink, Deployment, LtiIdentity, Platform, ResourceLink, ScoreSend, ToolKey


class DeploymentInline(admin.TabularInline):
    model = Deployment
    extra = 1


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ["name", "issuer", "client_id", "created_at"]
    search_fields = ["name", "issuer", "client_id"]
    filter_horizontal = ["courses"]
    inlines = [DeploymentInline]


@admin.register(ToolKey)
class ToolKeyAdmin(admin.ModelAdmin):
    """The public halves only: a private key never leaves its file (lti.keys)."""

    list_display = ["kid", "created_at", "retired_at"]
    readonly_fields = ["kid", "public_pem", "created_at", "retired_at"]
    actions = ["rotate"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Rotate: a new key signs from now on")
    def rotate(self, request, queryset):
        self.message_user(request, f"New signing key {keys.rotate().kid}.", messages.SUCCESS)


@admin.register(LtiIdentity)
class LtiIdentityAdmin(admin.ModelAdmin):
    list_display = ["sub", "platform", "user"]
    list_filter = ["platform"]
    search_fields = ["sub", "user__username", "user__email"]
    raw_id_fields = ["user"]


class ResourceLinkInline(admin.TabularInline):
    model = ResourceLink
    extra = 0
    raw_id_fields = ["exercise", "quiz", "chapter"]


@admin.register(ContextLink)
class ContextLinkAdmin(admin.ModelAdmin):
    list_display = ["title", "context_id", "platform", "run", "roster_synced_at"]
    list_filter = ["platform"]
    raw_id_fields = ["run"]
    inlines = [ResourceLinkInline]


@admin.register(ScoreSend)
class ScoreSendAdmin(admin.ModelAdmin):
    """What was sent to which LMS, when, and what failed."""

    list_display = ["created_at", "user", "resource_link", "score_given", "score_maximum", "status", "attempts",
                    "sent_at", "last_error"]
    list_filter = ["status", "resource_link__context__platform"]
    search_fields = ["user__username", "resource_link__title"]
    readonly_fields = [field.name for field in ScoreSend._meta.fields]
    actions = ["send_now"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Send the pending ones now")
    def send_now(self, request, queryset):
        pending = queryset.filter(status=ScoreSend.PENDING)
        for row in pending:
            jobs.send_score(row.pk)
        self.message_user(request, f"{len(pending)} score(s) sent to the background workers.", messages.SUCCESS)
