from django.urls import path

from bangban.notifications import views

urlpatterns = [
    path("", views.message_list_view, name="message_list"),
    path("<id:pk>/retry/", views.message_retry_view, name="message_retry"),
]
