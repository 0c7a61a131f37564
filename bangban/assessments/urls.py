from django.urls import path

from bangban.assessments import views

urlpatterns = [
    path("", views.list_view, name="list"),
    path("me/", views.mine_view, name="mine"),
    path("agents/<id:pk>/", views.profile_view, name="profile"),
    path("agents/<id:pk>/score/", views.score_view, name="score"),
    path("agents/<id:pk>/confirm/", views.confirm_view, name="confirm"),
    path("export.xlsx", views.export_view, name="export"),
]
