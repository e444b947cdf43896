from django.urls import path

from . import views

urlpatterns = [
    path("staff/exercises/<int:exercise_id>/similarity/", views.reports, name="similarity_reports"),
    path("staff/exercises/<int:exercise_id>/similarity/compare/", views.request_report, name="similarity_request"),
    path("staff/similarity/pairs/<int:pair_id>/", views.pair, name="similarity_pair"),
]
