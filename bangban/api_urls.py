"""/api/v1/: every app's API in one router, the OpenAPI schema and its local docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from bangban.accounts.api import StaffViewSet, me
from bangban.audit.api import AuditEventViewSet
from bangban.divisions.api import DivisionViewSet
from bangban.org.api import DepartmentViewSet, InstitutionViewSet

router = DefaultRouter()
router.register("divisions", DivisionViewSet, basename="division")
router.register("institutions", InstitutionViewSet, basename="institution")
router.register("departments", DepartmentViewSet, basename="department")
router.register("staff", StaffViewSet, basename="staff")
router.register("audit-events", AuditEventViewSet, basename="audit-event")

urlpatterns = [
    path("me/", me, name="me"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("", include(router.urls)),
]
