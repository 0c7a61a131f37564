from django.urls import path

from bangban.evaluations import views

urlpatterns = [
    path("r/<str:token>/", views.public_review_view, name="public_review"),
    path("evaluations/track/<str:token>/", views.track_review_view, name="track_review"),
    path("evaluations/", views.review_list_view, name="reviews"),
    path("evaluations/<id:pk>/", views.review_detail_view, name="review"),
    path("evaluations/counter/", views.counter_view, name="counter"),
    path("evaluations/enter/", views.enter_view, name="enter"),
    path("evaluations/rectifications/", views.rectification_list_view, name="rectifications"),
    path("evaluations/rectifications/limits/", views.rectify_limits_view, name="rectify_limits"),
    path("evaluations/rectifications/<id:pk>/", views.rectification_detail_view, name="rectification"),
    path("evaluations/rectifications/<id:pk>/<str:step>/", views.rectification_step_view, name="rect_step"),
    path("evaluations/<id:pk>/appeal/", views.appeal_file_view, name="appeal"),
    path("evaluations/appeals/<id:pk>/decide/", views.appeal_decide_view, name="appeal_decide"),
]
