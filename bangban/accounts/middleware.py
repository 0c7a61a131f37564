"""Session policies: idle timeout and the forced change of an administrator-set password."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from bangban.accounts.services import logout_record

LAST_SEEN_KEY = "bangban_last_seen"
# Refresh the stored timestamp at most once a minute, so an active session does not
# write the session store on every request.
REFRESH_SECONDS = 60


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            last_seen = request.session.get(LAST_SEEN_KEY)
            if last_seen is not None and now - last_seen > settings.BANGBAN_IDLE_TIMEOUT.total_seconds():
                logout_record(user=user, reason="auth.idle_timeout")
                logout(request)
                minutes = int(settings.BANGBAN_IDLE_TIMEOUT.total_seconds() // 60)
                text = f"您已 {minutes} 分钟未操作，为保护数据安全已自动退出，请重新登录"
                if _is_api(request):
                    return JsonResponse({"code": "session_expired", "message": text}, status=401)
                messages.info(request, text)
                return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.get_full_path()}")
            if last_seen is None or now - last_seen > REFRESH_SECONDS:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """Until an administrator-set password is replaced, only the change page and logout are reachable."""

    ALLOWED = ("accounts:password_change", "accounts:logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            allowed = {reverse(name) for name in self.ALLOWED}
            if request.path not in allowed and not request.path.startswith(settings.STATIC_URL):
                text = "您的密码由管理员设置，请先修改密码再继续使用"
                if _is_api(request):
                    return JsonResponse({"code": "password_change_required", "message": text}, status=403)
                messages.warning(request, text)
                return redirect("accounts:password_change")
        return self.get_response(request)
