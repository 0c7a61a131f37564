from django.urls import path

from bangban.cases import views

urlpatterns = [
    path("", views.queue_view, name="queue"),
    path("new/", views.create_view, name="create"),
    path("<id:pk>/", views.detail_view, name="detail"),
    path("<id:pk>/act/<str:name>/", views.action_view, name="action"),
    path("<id:pk>/do/<str:name>/", views.sub_action_view, name="sub_action"),
    path("<id:pk>/forms/<str:code>.pdf", views.form_pdf_view, name="form_pdf"),
    path("track/<str:token>/", views.track_view, name="track"),
]
