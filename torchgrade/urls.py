from django.contrib import admin
from django.urls import include, path

from . import health

admin.site.site_header = "torchgrade administration"
admin.site.site_title = "torchgrade"
admin.site.index_title = "Courses, exercises and accounts"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("staff/", include("staff.urls")),
    path("lti/", include("lti.urls")),
    path("", include("runs.urls")),
    path("", include("similarity.urls")),
    path("", include("grader.urls")),
    path("", include("courses.urls")),
]
