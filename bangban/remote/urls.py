from django.urls import path

from bangban.remote import views

urlpatterns = [
    path("", views.duty_view, name="duty"),
    path("queue.json", views.queue_json_view, name="queue_json"),
    path("call/", views.call_new_view, name="call_new"),
    path("next/", views.next_view, name="next"),
    path("windows/", views.windows_view, name="windows"),
    path("windows/<id:pk>/duty/", views.duty_toggle_view, name="duty_toggle"),
    path("calls/<id:pk>/", views.session_view, name="session"),
    path("calls/<id:pk>/answer/", views.answer_view, name="answer"),
    path("calls/<id:pk>/events", views.events_view, name="events"),
    path("calls/<id:pk>/post", views.post_view, name="post"),
    path("calls/<id:pk>/hangup/", views.hangup_view, name="hangup"),
    path("calls/<id:pk>/accept/", views.accept_view, name="accept"),
    # The citizen at home: no login, the call's secret token in the address.
    path("help/", views.public_help_view, name="public_help"),
    path("c/<str:token>/", views.public_session_view, name="public_session"),
    path("c/<str:token>/events", views.public_events_view, name="public_events"),
    path("c/<str:token>/post", views.public_post_view, name="public_post"),
    path("c/<str:token>/hangup/", views.public_hangup_view, name="public_hangup"),
]
