from django.urls import path

from bangban.training import views

urlpatterns = [
    path("", views.course_list_view, name="courses"),
    path("new/", views.course_create_view, name="course_create"),
    path("courses/<id:pk>/", views.course_detail_view, name="course"),
    path("courses/<id:pk>/sessions/new/", views.session_create_view, name="session_create"),
    path("sessions/<id:pk>/", views.session_detail_view, name="session"),
    path("sessions/<id:pk>/attendance/", views.attendance_view, name="attendance"),
    path("me/", views.my_record_view, name="mine"),
    path("staff/", views.staff_view, name="staff"),
    path("staff/<id:pk>/", views.record_view, name="record"),
    path("ledger.xlsx", views.ledger_view, name="ledger"),
]
