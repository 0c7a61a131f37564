from django.urls import path

from bangban.emergencies import views

urlpatterns = [
    path("", views.index_view, name="index"),
    path("plans/new/", views.plan_create_view, name="plan_create"),
    path("plans/<id:pk>/", views.plan_detail_view, name="plan"),
    path("plans/<id:pk>/plan.pdf", views.plan_pdf_view, name="plan_pdf"),
    path("plans/<id:pk>/drills/new/", views.drill_create_view, name="drill_create"),
    path("incidents/new/", views.incident_create_view, name="incident_create"),
    path("incidents/<id:pk>/", views.incident_detail_view, name="incident"),
    path("incidents/<id:pk>/steps/", views.incident_step_view, name="incident_step"),
    path("incidents/<id:pk>/close/", views.incident_close_view, name="incident_close"),
]
