from django.urls import path

from bangban.projects import views

urlpatterns = [
    path("", views.list_view, name="list"),
    path("new/", views.create_view, name="create"),
    path("queue/", views.queue_view, name="queue"),
    path("wall/", views.wall_view, name="wall"),
    path("wall/panel/", views.wall_panel_view, name="wall_panel"),
    path("report.xlsx", views.report_view, {"fmt": "xlsx"}, name="report_xlsx"),
    path("report.pdf", views.report_view, {"fmt": "pdf"}, name="report_pdf"),
    path("track/<str:token>/", views.track_view, name="track"),
    path("<id:pk>/", views.detail_view, name="detail"),
    path("<id:pk>/gantt.json", views.gantt_view, name="gantt"),
    path("<id:pk>/report.xlsx", views.report_view, {"fmt": "xlsx"}, name="project_report_xlsx"),
    path("<id:pk>/report.pdf", views.report_view, {"fmt": "pdf"}, name="project_report_pdf"),
    path("<id:pk>/requests/", views.request_send_view, name="request_send"),
    path("<id:pk>/meetings/", views.meeting_create_view, name="meeting_create"),
    path("items/<id:pk>/blockers/", views.blocker_raise_view, name="blocker_raise"),
    path("items/<id:pk>/assign/", views.item_assign_view, name="item_assign"),
    path("items/<id:pk>/case/", views.item_link_case_view, name="item_link_case"),
    path("items/<id:pk>/<str:action>/", views.item_action_view, name="item_action"),
    path("requests/<id:pk>/answer/", views.request_answer_view, name="request_answer"),
    path("meetings/<id:pk>/minutes.pdf", views.minutes_pdf_view, name="minutes_pdf"),
    path("actions/<id:pk>/close/", views.action_close_view, name="action_close"),
    path("blockers/<id:pk>/resolve/", views.blocker_resolve_view, name="blocker_resolve"),
]
