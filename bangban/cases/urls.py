from django.urls import path

from bangban.cases import views

urlpatterns = [
    path("", views.queue_view, name="queue"),
    path("new/", views.create_view, name="create"),
    path("new/pick/", views.pick_view, name="pick"),
    path("new/pick/names/", views.pick_names_view, name="pick_names"),
    path("new/checklist/", views.checklist_view, name="checklist"),
    path("new/applicant/", views.applicant_view, name="applicant"),
    path("new/applicant/<id:pk>/", views.applicant_prefill_view, name="applicant_prefill"),
    path("<id:pk>/", views.detail_view, name="detail"),
    path("<id:pk>/act/<str:name>/", views.action_view, name="action"),
    path("<id:pk>/do/<str:name>/", views.sub_action_view, name="sub_action"),
    path("<id:pk>/transfer/", views.transfer_view, name="transfer"),
    path("<id:pk>/task/", views.task_view, name="task"),
    path("<id:pk>/forms/<str:code>.pdf", views.form_pdf_view, name="form_pdf"),
    path("track/<str:token>/", views.track_view, name="track"),
]
