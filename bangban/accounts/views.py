import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from bangban.accounts import services
from bangban.accounts.forms import LoginForm, PasswordChangeForm, SetPasswordForm, StaffForm, TokenForm
from bangban.accounts.middleware import LAST_SEEN_KEY
from bangban.accounts.permissions import has_cap, require_cap
from bangban.accounts.roles import Cap, Role, grantable_roles
from bangban.accounts.selectors import staff_get, staff_list, token_get, token_list
from bangban.core.context import client_ip
from bangban.core.errors import AccessRefused, ServiceError
from bangban.core.forms import call_service, querystring_without_page
from bangban.core.navigation import requires
from bangban.org.selectors import department_list, institutions_in_scope


def login_view(request):
    """The staff login page, which the Django admin's login also leads to (admin_login_view)."""
    if request.user.is_authenticated:
        return redirect("core:home")
    form = LoginForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    status, headers = 200, {}
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_attempt(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                client=client_ip(request) or "",
            )
        except services.TooManyAttempts as exc:
            form.add_error(None, exc.message)
            status, headers = 429, {"Retry-After": str(exc.retry_after)}
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            login(request, user, backend="bangban.accounts.backends.LoginGateBackend")
            request.session[LAST_SEEN_KEY] = time.time()
            if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
                next_url = ""
            return redirect(next_url or "core:home")
    policy = {
        "lockout_threshold": settings.BANGBAN_LOCKOUT_THRESHOLD,
        "lockout_minutes": int(settings.BANGBAN_LOCKOUT_DURATION.total_seconds() // 60),
        "idle_minutes": int(settings.BANGBAN_IDLE_TIMEOUT.total_seconds() // 60),
    }
    response = render(
        request, "accounts/login.html", {"form": form, "next": next_url, **policy}, status=status
    )
    for name, value in headers.items():
        response[name] = value
    return response


def admin_login_view(request):
    """/admin/login/: the Django admin signs in through the staff login (one gate, one audit)."""
    next_url = request.GET.get("next") or reverse("admin:index")
    return redirect(f"{reverse('accounts:login')}?{urlencode({'next': next_url})}")


@require_POST
def logout_view(request):
    services.logout_record(user=request.user)
    logout(request)
    messages.info(request, "您已安全退出")
    return redirect("accounts:login")


@login_required
def password_change_view(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, _ = call_service(
            form,
            lambda: services.password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            ),
        )
        if ok:
            update_session_auth_hash(request, request.user)
            messages.success(request, "密码已修改")
            return redirect("core:home")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
@requires(Cap.STAFF_VIEW)
def staff_list_view(request):
    q = request.GET
    qs = staff_list(
        user=request.user,
        search=q.get("q", "").strip(),
        institution_id=q.get("institution") or None,
        role=q.get("role", ""),
    )
    page = Paginator(qs, 30).get_page(q.get("page"))
    return render(
        request,
        "accounts/staff_list.html",
        {
            "page_obj": page,
            "query": querystring_without_page(request),
            "roles": Role.choices,
            "institutions": institutions_in_scope(request.user),
            "can_manage": has_cap(request.user, Cap.STAFF_MANAGE),
        },
    )


def _staff_form(request, data=None, initial=None, editing=False):
    form = StaffForm(
        data,
        initial=initial,
        editing=editing,
        institutions=institutions_in_scope(request.user),
        departments=department_list(user=request.user),
    )
    # Offer the roles this manager may grant (and those the account already holds); the service decides.
    offered = grantable_roles(request.user.role_codes) | set((initial or {}).get("roles") or [])
    form.fields["roles"].choices = [(v, label) for v, label in Role.choices if v in offered]
    return form


@login_required
def staff_create_view(request):
    require_cap(request.user, Cap.STAFF_MANAGE)
    form = _staff_form(request, request.POST or None, initial={"institution": request.GET.get("institution")})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, user = call_service(
            form,
            lambda: services.staff_create(
                by=request.user,
                username=d["username"],
                full_name=d["full_name"],
                phone=d["phone"],
                email=d["email"],
                institution=d["institution"],
                department=d["department"],
                roles=d["roles"],
                password=d["password"],
            ),
        )
        if ok:
            messages.success(request, f"已新建工作人员 {user.display_name}，首次登录须修改密码")
            return redirect("accounts:staff_detail", pk=user.pk)
    return render(request, "accounts/staff_form.html", {"form": form, "title": "新建工作人员"})


@login_required
def staff_detail_view(request, pk):
    staff = staff_get(user=request.user, pk=pk)
    return render(
        request,
        "accounts/staff_detail.html",
        {
            "staff": staff,
            "can_manage": services.can_manage_account(request.user, staff),
            "password_form": SetPasswordForm(),
        },
    )


@login_required
def staff_edit_view(request, pk):
    require_cap(request.user, Cap.STAFF_MANAGE)
    staff = staff_get(user=request.user, pk=pk)
    services.account_manage_check(by=request.user, user=staff)
    initial = {
        "username": staff.username,
        "full_name": staff.full_name,
        "phone": staff.phone,
        "email": staff.email,
        "institution": staff.institution_id,
        "department": staff.department_id,
        "roles": list(staff.role_codes),
    }
    form = _staff_form(request, request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, _ = call_service(
            form,
            lambda: services.staff_update(
                by=request.user,
                user=staff,
                full_name=d["full_name"],
                phone=d["phone"],
                email=d["email"],
                institution=d["institution"],
                department=d["department"],
                roles=d["roles"],
            ),
        )
        if ok:
            messages.success(request, "已保存")
            return redirect("accounts:staff_detail", pk=staff.pk)
    return render(request, "accounts/staff_form.html", {"form": form, "title": f"编辑 {staff.display_name}"})


@login_required
@require_POST
def staff_action_view(request, pk, action):
    staff = staff_get(user=request.user, pk=pk)
    try:
        if action == "set_password":
            form = SetPasswordForm(request.POST)
            if not form.is_valid():
                raise ServiceError("required", "请输入新密码", field="password")
            services.staff_set_password(by=request.user, user=staff, password=form.cleaned_data["password"])
            messages.success(request, "密码已重置，本人下次登录时须修改")
        elif action in ("activate", "deactivate"):
            services.staff_set_active(by=request.user, user=staff, active=action == "activate")
            messages.success(request, "账号已启用" if action == "activate" else "账号已停用")
        elif action == "unlock":
            services.staff_unlock(by=request.user, user=staff)
            messages.success(request, "已解除锁定")
        else:
            raise ServiceError("invalid", "未知操作")
    except (ServiceError, AccessRefused) as exc:
        messages.error(request, exc.message)
    return redirect("accounts:staff_detail", pk=staff.pk)


# --- API tokens ------------------------------------------------------------------------------


@login_required
def token_list_view(request, pk=None):
    """「API 令牌」: one's own tokens (pk=None) or, for an administrator in scope, a colleague's.

    A newly issued token's plaintext is in this response only (never stored, never redirected)."""
    owner = request.user if pk is None else staff_get(user=request.user, pk=pk)
    tokens = token_list(by=request.user, owner=owner)
    form = TokenForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        ok, result = call_service(
            form,
            lambda: services.token_issue(
                by=request.user, user=owner, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            ),
        )
        if ok:
            issued = result[1]
            form = TokenForm()
    response = render(
        request,
        "accounts/tokens.html",
        {
            "owner": owner,
            "own": owner.pk == request.user.pk,
            "tokens": tokens,
            "form": form,
            "issued": issued,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke_view(request, token_pk):
    token = token_get(by=request.user, pk=token_pk)
    services.token_revoke(by=request.user, token=token)
    messages.success(request, f"已撤销令牌「{token.name}」")
    if token.owner_id == request.user.pk:
        return redirect("accounts:my_tokens")
    return redirect("accounts:staff_tokens", pk=token.owner_id)
