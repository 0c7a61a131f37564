from django.urls import path

from bangban.exchange import views

urlpatterns = [path("deliveries/", views.deliveries_view, name="deliveries")]
