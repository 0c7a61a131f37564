from django.urls import path

from bangban.complaints import views

urlpatterns = [
    path("", views.list_view, name="list"),
    path("new/", views.create_view, name="create"),
    path("<id:pk>/", views.detail_view, name="detail"),
    path("<id:pk>/step/<str:name>/", views.step_view, name="step"),
    path("<id:pk>/reveal-phone/", views.reveal_phone_view, name="reveal_phone"),
    path("consultations/", views.consultations_view, name="consultations"),
    path("consultations/<id:pk>/", views.consultation_detail_view, name="consultation"),
    path("consultations/<id:pk>/answer/", views.consultation_answer_view, name="consultation_answer"),
]
