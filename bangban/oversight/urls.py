from django.urls import path

from bangban.oversight import views

urlpatterns = [
    path("", views.order_list_view, name="list"),
    path("<id:pk>/", views.order_detail_view, name="detail"),
    path("<id:pk>/answer/", views.order_answer_view, name="answer"),
    path("<id:pk>/close/", views.order_close_view, name="close"),
    path("cases/<id:case_pk>/new/", views.order_issue_view, name="issue"),
    path("complaints/<id:complaint_pk>/new/", views.order_issue_complaint_view, name="issue_complaint"),
]
