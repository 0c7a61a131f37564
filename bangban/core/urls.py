from django.urls import path

from bangban.core import views

# The staff 工作台 lives at /staff/ ("/" is the public portal, bangban.portal).
urlpatterns = [path("staff/", views.home, name="home")]
