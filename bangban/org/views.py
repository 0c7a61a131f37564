from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from bangban.accounts.permissions import has_cap, require_cap
from bangban.accounts.roles import Cap
from bangban.core.forms import call_service
from bangban.core.navigation import requires
from bangban.org import selectors, services
from bangban.org.forms import DepartmentForm, InstitutionForm
from bangban.org.models import Institution


def _tree(institutions):
    """Nest a path-ordered list into [(institution, children)] for the template."""
    by_parent: dict = {}
    ids = {i.pk for i in institutions}
    roots = []
    for inst in institutions:
        node = {"inst": inst, "children": []}
        by_parent[inst.pk] = node
        if inst.parent_id in ids:
            by_parent[inst.parent_id]["children"].append(node)
        else:
            roots.append(node)
    return roots


@login_required
@requires(Cap.ORG_VIEW)
def institution_list_view(request):
    search = request.GET.get("q", "").strip()
    tier = request.GET.get("tier")
    institutions = list(
        selectors.institution_list(
            user=request.user, search=search, tier=int(tier) if tier and tier.isdigit() else None
        )
    )
    return render(
        request,
        "org/institution_list.html",
        {
            "tree": _tree(institutions) if not (search or tier) else None,
            "institutions": institutions,
            "tiers": Institution.Tier.choices,
            "can_manage": has_cap(request.user, Cap.ORG_MANAGE),
        },
    )


@login_required
def institution_detail_view(request, pk):
    institution = selectors.institution_get(user=request.user, pk=pk)
    from bangban.accounts.selectors import staff_list

    staff = (
        staff_list(user=request.user, institution_id=institution.pk)
        if has_cap(request.user, Cap.STAFF_VIEW)
        else None
    )
    return render(
        request,
        "org/institution_detail.html",
        {
            "institution": institution,
            "children": selectors.institution_list(user=request.user, parent_id=institution.pk),
            "departments": selectors.department_list(user=request.user, institution=institution),
            "staff": staff,
            "can_manage": has_cap(request.user, Cap.ORG_MANAGE),
            "can_manage_staff": has_cap(request.user, Cap.STAFF_MANAGE),
            "child_tier": {1: 2, 2: 3}.get(institution.tier),
        },
    )


@login_required
def institution_create_view(request, parent_pk):
    require_cap(request.user, Cap.ORG_MANAGE)
    parent = selectors.institution_get(user=request.user, pk=parent_pk)
    form = InstitutionForm(request.POST or None, initial={"tier": {1: 2, 2: 3}.get(parent.tier, 1)})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, inst = call_service(
            form,
            lambda: services.institution_create(
                by=request.user,
                parent=parent,
                name=d["name"],
                tier=d["tier"],
                division=d["division"],
                address=d["address"],
                opening_hours=d["opening_hours"],
                phone=d["phone"],
            ),
        )
        if ok:
            messages.success(request, f"已新建 {inst.name}")
            return redirect("org:institution_detail", pk=inst.pk)
    return render(request, "org/form.html", {"form": form, "title": f"在 {parent.name} 下新建机构"})


@login_required
def institution_edit_view(request, pk):
    require_cap(request.user, Cap.ORG_MANAGE)
    inst = selectors.institution_get(user=request.user, pk=pk)
    initial = {f: getattr(inst, f) for f in ("name", "address", "opening_hours", "phone", "is_active")}
    form = InstitutionForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, _ = call_service(
            form,
            lambda: services.institution_update(
                by=request.user,
                institution=inst,
                name=d["name"],
                address=d["address"],
                opening_hours=d["opening_hours"],
                phone=d["phone"],
                is_active=d["is_active"],
            ),
        )
        if ok:
            messages.success(request, "已保存")
            return redirect("org:institution_detail", pk=inst.pk)
    return render(request, "org/form.html", {"form": form, "title": f"编辑 {inst.name}"})


@login_required
def department_create_view(request, institution_pk):
    require_cap(request.user, Cap.ORG_MANAGE)
    inst = selectors.institution_get(user=request.user, pk=institution_pk)
    form = DepartmentForm(request.POST or None)
    del form.fields["is_active"]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, dept = call_service(
            form,
            lambda: services.department_create(
                by=request.user,
                institution=inst,
                name=d["name"],
                credit_code=d["credit_code"],
                windows=d["windows"],
                phone=d["phone"],
            ),
        )
        if ok:
            messages.success(request, f"已新增进驻部门 {dept.name}")
            return redirect("org:institution_detail", pk=inst.pk)
    return render(request, "org/form.html", {"form": form, "title": f"{inst.name} · 新增进驻部门"})


@login_required
def department_edit_view(request, pk):
    require_cap(request.user, Cap.ORG_MANAGE)
    dept = selectors.department_get(user=request.user, pk=pk)
    initial = {f: getattr(dept, f) for f in ("name", "credit_code", "windows", "phone", "is_active")}
    form = DepartmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, _ = call_service(
            form,
            lambda: services.department_update(
                by=request.user,
                department=dept,
                name=d["name"],
                credit_code=d["credit_code"],
                windows=d["windows"],
                phone=d["phone"],
                is_active=d["is_active"],
            ),
        )
        if ok:
            messages.success(request, "已保存")
            return redirect("org:institution_detail", pk=dept.institution_id)
    return render(request, "org/form.html", {"form": form, "title": f"编辑进驻部门 {dept.name}"})
