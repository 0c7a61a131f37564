"""/knowledge/: the public search and articles (no login) and the staff pages under manage/."""

from django.urls import path

from bangban.knowledge import views

urlpatterns = [
    path("", views.search_view, name="search"),
    path("<id:pk>/", views.article_view, name="article"),
    path("manage/", views.manage_list_view, name="manage_list"),
    path("manage/new/", views.edit_view, name="create"),
    path("manage/import/", views.import_view, name="import"),
    path("manage/<id:pk>/", views.manage_detail_view, name="manage_detail"),
    path("manage/<id:pk>/edit/", views.edit_view, name="edit"),
    path("manage/<id:pk>/do/<str:name>/", views.action_view, name="action"),
]
