from . import deadline_views, roster_views

urlpatterns = roster_views.urlpatterns + deadline_views.urlpatterns
