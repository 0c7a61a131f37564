from django.urls import path

from bangban.org import views

urlpatterns = [
    path("", views.institution_list_view, name="institution_list"),
    path("institutions/<id:pk>/", views.institution_detail_view, name="institution_detail"),
    path("institutions/<id:pk>/edit/", views.institution_edit_view, name="institution_edit"),
    path("institutions/<id:parent_pk>/new/", views.institution_create_view, name="institution_create"),
    path(
        "institutions/<id:institution_pk>/departments/new/",
        views.department_create_view,
        name="department_create",
    ),
    path("departments/<id:pk>/edit/", views.department_edit_view, name="department_edit"),
]
