from django.urls import path

from bangban.core import views

urlpatterns = [path("", views.home, name="home")]
