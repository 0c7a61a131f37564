"""/api/v1/: every app's API in one router, the OpenAPI schema and its local docs."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

from bangban.accounts.api import StaffViewSet, TokenViewSet, me
from bangban.assessments import api as assessments_api
from bangban.audit.api import AuditEventViewSet
from bangban.bookings import api as bookings_api
from bangban.cases import api as cases_api
from bangban.catalog import api as catalog_api
from bangban.complaints import api as complaints_api
from bangban.core.api_errors import not_found
from bangban.core.routing import Router
from bangban.core.schema_view import SchemaView
from bangban.divisions.api import DivisionViewSet
from bangban.emergencies import api as emergencies_api
from bangban.evaluations import api as evaluations_api
from bangban.exchange import api as exchange_api
from bangban.knowledge import api as knowledge_api
from bangban.notifications import api as notifications_api
from bangban.org.api import DepartmentViewSet, InstitutionViewSet
from bangban.oversight import api as oversight_api
from bangban.projects import api as projects_api
from bangban.remote import api as remote_api
from bangban.supervision import api as supervision_api
from bangban.training import api as training_api
from bangban.workdays import api as workdays_api

# Each feature app lists its own routes in api.py (`routes`, `urls`), so adding one touches only that app.
# Cases come first: URL resolution tries patterns in order and the work queue is the busiest route.
FEATURE_APIS = [
    cases_api,
    catalog_api,
    workdays_api,
    notifications_api,
    complaints_api,
    evaluations_api,
    oversight_api,
    training_api,
    emergencies_api,
    supervision_api,
    bookings_api,
    knowledge_api,
    projects_api,
    assessments_api,
    exchange_api,
    remote_api,
]

router = Router()
for prefix, viewset, basename in cases_api.routes:
    router.register(prefix, viewset, basename=basename)
router.register("divisions", DivisionViewSet, basename="division")
router.register("institutions", InstitutionViewSet, basename="institution")
router.register("departments", DepartmentViewSet, basename="department")
router.register("staff", StaffViewSet, basename="staff")
router.register("tokens", TokenViewSet, basename="token")
router.register("audit-events", AuditEventViewSet, basename="audit-event")
for module in FEATURE_APIS[1:]:
    for prefix, viewset, basename in module.routes:
        router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("me/", me, name="me"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    *[u for module in FEATURE_APIS for u in module.urls],
    path("", include(router.urls)),
    # Anything else under /api/v1/ (unknown paths, ids that are not numbers) answers the API's JSON 404.
    re_path(r"^[\s\S]*$", not_found),
]
