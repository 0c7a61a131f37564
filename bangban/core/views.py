from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.http import require_GET

from bangban.core.dashboard import home_panels, home_sections


@login_required
def home(request):
    return render(
        request,
        "core/home.html",
        {"panels": home_panels(request.user), "sections": home_sections(request.user)},
    )


@require_GET
def healthz(request):
    """Liveness check for the load balancer (no personal data). The database is required: without
    it the server answers 503 and the proxy sends requests elsewhere. Redis is not: sessions and the
    cache degrade without it (issue 14), so a Redis failure shows as "degraded" with 200, and the
    server stays in the pool."""
    from django.conf import settings
    from django.db import DatabaseError

    body = {"status": "ok", "database": connection.vendor}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    if settings.REDIS_URL:
        import redis

        from bangban.core.redis_client import quick_client

        try:
            quick_client(settings.REDIS_URL).ping()
            body["redis"] = "ok"
        except redis.RedisError:
            body.update(status="degraded", redis="unreachable")
    return JsonResponse(body)


# ---- error pages (urls.handler400/403/404/500, CSRF_FAILURE_VIEW) -----------------------------

_ERRORS = {
    400: ("请求无效", "无法处理这个请求。请检查访问的网址是否正确，或返回首页重新操作。"),
    403: ("无权访问", "您的角色无权访问这个页面。如需办理，请联系本机构的管理员。"),
    404: ("页面不存在", "您访问的页面不存在，或已被移除。"),
    503: (
        "服务暂时不可用",
        "暂时无法连接数据库，这次操作没有完成。请稍等片刻后重试；如果问题持续，请联系系统管理员。",
    ),
    500: (
        "系统出错了",
        "系统暂时无法完成这个请求，我们已记录错误。请稍后再试；如果问题持续，请联系系统管理员。",
    ),
}


def _error_page(status: int, request=None, **context) -> HttpResponse:
    """One error page in the site's layout.

    Without `request` the page renders with no context processor (no session, no user, no
    navigation): that is how the 500 and 400 pages are shown, since the database or the request
    itself may be what failed.
    """
    title, message = _ERRORS[status]
    context = {"title": title, "message": message, "status": status, **context}
    html = loader.get_template("core/error.html").render(context, request)
    return HttpResponse(html, status=status)


def bad_request(request, exception=None):
    # A DisallowedHost request lands here too: nothing may read its Host, so no request context.
    return _error_page(400)


def permission_denied(request, exception=None):
    return _error_page(403, request)


def page_not_found(request, exception=None):
    return _error_page(404, request)


def server_error(request):
    # The database restarting or failing over: a 503 with Retry-After says "try again shortly" (to the
    # user, the API client and the proxy) instead of reporting a bug. Django calls this handler while
    # the exception is being handled, so sys.exc_info() names it.
    import sys

    from django.db import InterfaceError, OperationalError

    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        if request.path.startswith("/api/"):
            from django.http import JsonResponse

            _title, message = _ERRORS[503]
            response = JsonResponse(
                {"code": "database_unavailable", "message": message, "errors": []},
                status=503,
                json_dumps_params={"ensure_ascii": False},
            )
        else:
            response = _error_page(503)
        response["Retry-After"] = "5"
        return response
    return _error_page(500)


def csrf_failure(request, reason=""):
    return _error_page(
        403,
        title="页面已过期",
        message="页面停留时间过长或已在别处退出，提交未被接受，没有任何内容被修改。",
        hint="请返回上一页，刷新后重新提交；如果浏览器禁用了 Cookie，请先启用。",
    )
