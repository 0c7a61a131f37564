from django.contrib import admin
from django.urls import include, path

from bangban.accounts import views as accounts_views
from bangban.core import views as core_views
from bangban.ops import observability as ops_observability

admin.site.site_header = "帮办代办平台 · 后台"
admin.site.site_title = "帮办代办平台"

urlpatterns = [
    # The API first: integrations and the busiest pages' polling resolve without walking the rest.
    path("api/v1/", include(("bangban.api_urls", "api"))),
    path("", include(("bangban.core.urls", "core"))),
    # The public portal at the root: home, 留言咨询, 关怀版 switch, 无障碍声明 (the 工作台 is /staff/).
    path("", include(("bangban.portal.urls", "portal"))),
    path("accounts/", include(("bangban.accounts.urls", "accounts"))),
    path("org/", include(("bangban.org.urls", "org"))),
    path("audit/", include(("bangban.audit.urls", "audit"))),
    path("catalog/", include(("bangban.catalog.urls", "catalog"))),
    path("items/", include(("bangban.catalog.public_urls", "public_catalog"))),
    path("workdays/", include(("bangban.workdays.urls", "workdays"))),
    path("notifications/", include(("bangban.notifications.urls", "notifications"))),
    path("cases/", include(("bangban.cases.urls", "cases"))),
    path("complaints/", include(("bangban.complaints.urls", "complaints"))),
    # 好差评: the staff pages under /evaluations/ and the short SMS review link /r/<token>/.
    path("", include(("bangban.evaluations.urls", "evaluations"))),
    path("oversight/", include(("bangban.oversight.urls", "oversight"))),
    path("training/", include(("bangban.training.urls", "training"))),
    path("emergencies/", include(("bangban.emergencies.urls", "emergencies"))),
    path("supervision/", include(("bangban.supervision.urls", "supervision"))),
    path("bookings/", include(("bangban.bookings.urls", "bookings"))),
    path("knowledge/", include(("bangban.knowledge.urls", "knowledge"))),
    path("remote/", include(("bangban.remote.urls", "remote"))),
    path("projects/", include(("bangban.projects.urls", "projects"))),
    path("assessments/", include(("bangban.assessments.urls", "assessments"))),
    path("exchange/", include(("bangban.exchange.urls", "exchange"))),
    # The admin (read-only) signs in and out through the staff pages: one login gate, one audit.
    path("admin/login/", accounts_views.admin_login_view),
    path("admin/logout/", accounts_views.logout_view),
    path("admin/", admin.site.urls),
    path("healthz", core_views.healthz, name="healthz"),
    path("metrics", ops_observability.metrics, name="metrics"),
]

# Chinese error pages in the site's layout (core/views.py).
handler400 = "bangban.core.views.bad_request"
handler403 = "bangban.core.views.permission_denied"
handler404 = "bangban.core.views.page_not_found"
handler500 = "bangban.core.views.server_error"
