from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="staff_home"),
    path("audit/", views.audit_log, name="staff_audit"),
    path("queue/", views.queue, name="staff_queue"),
    path("courses/<slug:course_slug>/gradebook/", views.gradebook, name="gradebook"),
    path("courses/<slug:course_slug>/gradebook.csv", views.gradebook_csv, name="gradebook_csv"),
    path("courses/<slug:course_slug>/submissions/", views.submissions, name="staff_submissions"),
    path("courses/<slug:course_slug>/interview-answers/", views.interview_answers, name="staff_interview_answers"),
    path("courses/<slug:course_slug>/stats/", views.stats, name="staff_stats"),
    path("submissions/<int:pk>/", views.submission, name="staff_submission"),
    path("submissions/<int:pk>/regrade/", views.regrade, name="staff_regrade"),
    path("submissions/<int:pk>/override/", views.override, name="staff_override"),
    path("exercises/<int:pk>/regrade-all/", views.regrade_all, name="staff_regrade_all"),
    path("regrades/<int:pk>/", views.regrade_batch, name="staff_regrade_batch"),
    path("interview-answers/<int:pk>/review/", views.review_interview_answer, name="staff_review_interview_answer"),
]
