"""Public pages of the catalog, at /items/ (namespace "public_catalog"): no login needed."""

from django.urls import path

from bangban.catalog import views

urlpatterns = [
    path("", views.public_search_view, name="search"),
    path("<id:pk>/", views.public_guide_view, name="guide"),
    path("<id:pk>/notice.pdf", views.public_notice_view, name="notice"),
    path("bundles/", views.public_bundle_list_view, name="bundles"),
    path("bundles/<id:pk>/", views.public_bundle_view, name="bundle"),
    path("materials/<id:pk>/<str:which>/", views.public_attachment_view, name="attachment"),
]
