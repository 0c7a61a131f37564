from django.urls import path

from bangban.supervision import views

urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("drill/", views.drill_view, name="drill"),
    path("report.xlsx", views.report_xlsx_view, name="report_xlsx"),
    path("report.pdf", views.report_pdf_view, name="report_pdf"),
    path("targets/", views.targets_view, name="targets"),
]
