import time

from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from bangban.accounts import services
from bangban.accounts.forms import LoginForm, PasswordChangeForm, SetPasswordForm, StaffForm
from bangban.accounts.middleware import LAST_SEEN_KEY
from bangban.accounts.permissions import has_cap, require_cap
from bangban.accounts.roles import Cap, Role
from bangban.accounts.selectors import staff_get, staff_list
from bangban.core.errors import ServiceError
from bangban.core.forms import call_service, querystring_without_page
from bangban.core.navigation import requires
from bangban.org.selectors import department_list, institutions_in_scope


def login_view(request):
    if request.user.is_authenticated:
        return redirect("core:home")
    form = LoginForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_attempt(
                username=form.cleaned_data["username"], password=form.cleaned_data["password"]
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[LAST_SEEN_KEY] = time.time()
            if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
                next_url = ""
            return redirect(next_url or "core:home")
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


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
    return StaffForm(
        data,
        initial=initial,
        editing=editing,
        institutions=institutions_in_scope(request.user),
        departments=department_list(user=request.user),
    )


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
            "can_manage": has_cap(request.user, Cap.STAFF_MANAGE),
            "password_form": SetPasswordForm(),
        },
    )


@login_required
def staff_edit_view(request, pk):
    require_cap(request.user, Cap.STAFF_MANAGE)
    staff = staff_get(user=request.user, pk=pk)
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
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("accounts:staff_detail", pk=staff.pk)
