from django.urls import path

from bangban.bookings import views

urlpatterns = [
    path("ask/", views.ask_view, name="ask"),
    path("track/", views.track_lookup_view, name="track_lookup"),
    path("manage/", views.manage_view, name="manage"),
    path("sign/<str:token>/", views.sign_public_view, name="sign_public"),
    path("entrustments/<id:pk>/sign/", views.sign_window_view, name="sign_window"),
    path("templates/", views.templates_view, name="templates"),
    path("templates/<id:pk>/deactivate/", views.template_deactivate_view, name="template_deactivate"),
]
