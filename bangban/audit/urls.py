from django.urls import path

from bangban.audit import views

urlpatterns = [
    path("", views.audit_list_view, name="list"),
    path("integrity/", views.audit_integrity_view, name="integrity"),
]
