from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("quiz-attempts/<int:attempt_id>/", views.quiz_attempt, name="quiz_attempt"),
    path("comments/<int:comment_id>/hide/", views.hide_comment, name="hide_comment"),
    path("courses/<slug:course_slug>/", views.course, name="course"),
    path("courses/<slug:course_slug>/<slug:chapter_slug>/", views.chapter, name="chapter"),
    path("courses/<slug:course_slug>/<slug:chapter_slug>/finish/", views.finish_chapter, name="finish_chapter"),
    path("courses/<slug:course_slug>/<slug:chapter_slug>/quiz/", views.quiz, name="quiz"),
    path("courses/<slug:course_slug>/<slug:chapter_slug>/interview/", views.interview, name="interview"),
    path("courses/<slug:course_slug>/<slug:chapter_slug>/comments/", views.post_comment, name="post_comment"),
    path("authoring/<slug:course_slug>/preview/", views.markdown_preview, name="markdown_preview"),
]
