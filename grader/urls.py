from django.urls import path

from . import views

urlpatterns = [
    path("submissions/<int:submission_id>/", views.submission, name="submission"),
    path("submissions/<int:submission_id>/status/", views.submission_status, name="submission_status"),
    path(
        "courses/<slug:course_slug>/<slug:chapter_slug>/exercises/<slug:exercise_slug>/",
        views.exercise, name="exercise",
    ),
]
