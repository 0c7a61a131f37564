"""Staff pages of the catalog, at /catalog/ (namespace "catalog")."""

from django.urls import path

from bangban.catalog import views

urlpatterns = [
    path("", views.item_list_view, name="item_list"),
    path("items/new/", views.item_create_view, name="item_create"),
    path("items/<id:pk>/", views.item_detail_view, name="item_detail"),
    path("versions/<id:pk>/", views.version_detail_view, name="version_detail"),
    path("versions/<id:pk>/edit/", views.version_edit_view, name="version_edit"),
    path("versions/<id:pk>/submit/", views.version_submit_view, name="version_submit"),
    path("name-report/", views.name_report_view, name="name_report"),
    path("adjustments/", views.adjustment_list_view, name="adjustment_list"),
    path("adjustments/new/", views.adjustment_create_view, name="adjustment_create"),
    path("adjustments/<id:pk>/", views.adjustment_detail_view, name="adjustment_detail"),
    path("adjustments/<id:pk>/edit/", views.adjustment_edit_view, name="adjustment_edit"),
    path("adjustments/<id:pk>/submit/", views.adjustment_submit_view, name="adjustment_submit"),
    path("adjustments/<id:pk>/review/", views.adjustment_review_view, name="adjustment_review"),
    path("adjustments/<id:pk>/withdraw/", views.adjustment_withdraw_view, name="adjustment_withdraw"),
    path("listings/", views.listing_index_view, name="listing_index"),
    path("listings/<id:institution_pk>/", views.listing_detail_view, name="listing_detail"),
    path("bundles/", views.bundle_admin_list_view, name="bundle_admin_list"),
    path("bundles/new/", views.bundle_edit_view, name="bundle_create"),
    path("bundles/<id:pk>/edit/", views.bundle_edit_view, name="bundle_edit"),
    path("imports/", views.import_view, name="import"),
    path("imports/<id:pk>/", views.import_job_view, name="import_job"),
    path("imports/<id:pk>/progress/", views.import_progress_view, name="import_progress"),
    path("export.xlsx", views.export_view, name="export"),
    path("template.xlsx", views.template_view, name="template"),
]
