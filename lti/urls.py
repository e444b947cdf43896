from django.urls import path

from . import views

urlpatterns = [
    path("", views.configuration, name="lti_configuration"),
    path("jwks.json", views.jwks, name="lti_jwks"),
    path("login/", views.oidc_login, name="lti_login"),
    path("launch/", views.launch, name="lti_launch"),
    path("deep-link/", views.deep_link, name="lti_deep_link"),
    path("runs/<int:run_id>/", views.run_lti, name="lti_run"),
    path("runs/<int:run_id>/sync-roster/", views.sync_roster, name="lti_sync_roster"),
]
