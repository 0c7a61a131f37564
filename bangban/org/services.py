"""Writes to the organization: institutions and stationed departments, within the actor's scope."""

from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction

from bangban.accounts.permissions import require_cap
from bangban.accounts.roles import Cap
from bangban.audit.services import audit_record, created, diff, snapshot
from bangban.core.errors import NotInScope, ServiceError
from bangban.core.ids import credit_code_problem
from bangban.divisions.models import Division
from bangban.org.models import Department, Institution
from bangban.org.selectors import department_names_changed, institution_in_scope, scope_root_path

INSTITUTION_FIELDS = ["name", "tier", "division", "parent", "address", "opening_hours", "phone", "is_active"]
DEPARTMENT_FIELDS = ["institution", "name", "credit_code", "windows", "phone", "is_active"]

# Which tier may sit under which, and at which division level (domain.md §2).
ALLOWED_PARENT_TIER = {
    Institution.Tier.CENTER: {None, Institution.Tier.CENTER},
    Institution.Tier.TOWN_CENTER: {Institution.Tier.CENTER},
    Institution.Tier.STATION: {Institution.Tier.TOWN_CENTER},
}
ALLOWED_DIVISION_LEVELS = {
    Institution.Tier.CENTER: {Division.Level.PROVINCE, Division.Level.CITY, Division.Level.COUNTY},
    Institution.Tier.TOWN_CENTER: {Division.Level.TOWN},
    Institution.Tier.STATION: {Division.Level.VILLAGE},
}


def _check_structure(*, tier: int, division: Division | None, parent: Institution | None) -> None:
    if tier not in Institution.Tier.values:
        raise ServiceError("invalid", "层级只能是政务服务中心、便民服务中心或便民服务站", field="tier")
    tier = Institution.Tier(tier)
    if division is None:
        raise ServiceError("required", "请选择行政区划", field="division")
    parent_tier = Institution.Tier(parent.tier) if parent else None
    if parent_tier not in ALLOWED_PARENT_TIER[tier]:
        expected = "、".join(t.label if t else "无（顶级）" for t in ALLOWED_PARENT_TIER[tier])
        raise ServiceError("invalid_parent", f"{tier.label}的上级机构应为：{expected}", field="parent")
    if division.level not in ALLOWED_DIVISION_LEVELS[tier]:
        levels = "、".join(Division.Level(level).label for level in sorted(ALLOWED_DIVISION_LEVELS[tier]))
        raise ServiceError("invalid_division", f"{tier.label}的行政区划级别应为：{levels}", field="division")
    if parent and not division.is_within(parent.division):
        raise ServiceError(
            "invalid_division",
            f"行政区划须位于上级机构所在区划（{parent.division.name}）之内",
            field="division",
        )


def _clean_text(name: str, phone: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError("required", "名称不能为空", field="name")
    if len(name) > 100:
        raise ServiceError("invalid", "名称不能超过 100 个字符", field="name")
    if len(phone or "") > 40:
        raise ServiceError("invalid", "联系电话不能超过 40 个字符", field="phone")
    return name


@transaction.atomic
def institution_create(
    *,
    by,
    name: str,
    tier: int,
    division: Division,
    parent: Institution | None,
    address: str = "",
    opening_hours: str = "",
    phone: str = "",
) -> Institution:
    """Create an institution under `parent` (which must be in the actor's scope).

    A top-level 政务服务中心 (no parent) may only be created by a superuser or by the command
    line (by=None). The path is assigned in the same transaction.
    """
    if by is not None:
        require_cap(by, Cap.ORG_MANAGE, "您的角色无权管理机构")
        if parent is None and scope_root_path(by) != "":
            raise ServiceError("invalid_parent", "只有平台超级管理员可以新建顶级政务服务中心", field="parent")
        if parent is not None and not institution_in_scope(by, parent):
            raise NotInScope(target=parent)
    name = _clean_text(name, phone)
    _check_structure(tier=tier, division=division, parent=parent)
    if Institution.objects.filter(parent=parent, name=name).exists():
        raise ServiceError("duplicate", f"同一上级机构下已有名为“{name}”的机构", field="name")
    institution = Institution(
        name=name,
        tier=tier,
        division=division,
        parent=parent,
        address=address.strip(),
        opening_hours=opening_hours.strip(),
        phone=phone.strip(),
        path=f"/pending-{uuid.uuid4().hex}/",
    )
    try:
        with transaction.atomic():
            institution.save()
    except IntegrityError:
        raise ServiceError("duplicate", f"同一上级机构下已有名为“{name}”的机构", field="name")
    institution.path = f"{parent.path if parent else '/'}{institution.pk}/"
    institution.save(update_fields=["path"])
    audit_record(
        actor=by,
        action="org.institution.create",
        target=institution,
        institution=institution,
        changes=created(snapshot(institution, INSTITUTION_FIELDS)),
    )
    return institution


@transaction.atomic
def institution_update(
    *,
    by,
    institution: Institution,
    name: str,
    address: str = "",
    opening_hours: str = "",
    phone: str = "",
    is_active: bool = True,
) -> Institution:
    """Edit an institution's details. Its place in the tree (tier, division, parent) is fixed once created."""
    require_cap(by, Cap.ORG_MANAGE, "您的角色无权管理机构")
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    if not institution_in_scope(by, institution):
        raise NotInScope(target=institution)
    if not is_active and by.institution_id == institution.pk:
        raise ServiceError("invalid", "不能停用自己所在的机构", field="is_active")
    name = _clean_text(name, phone)
    if Institution.objects.filter(parent=institution.parent, name=name).exclude(pk=institution.pk).exists():
        raise ServiceError("duplicate", f"同一上级机构下已有名为“{name}”的机构", field="name")
    before = snapshot(institution, INSTITUTION_FIELDS)
    institution.name, institution.address = name, address.strip()
    institution.opening_hours, institution.phone, institution.is_active = (
        opening_hours.strip(),
        phone.strip(),
        is_active,
    )
    institution.save()
    changes = diff(before, snapshot(institution, INSTITUTION_FIELDS))
    if changes:
        audit_record(
            actor=by,
            action="org.institution.update",
            target=institution,
            institution=institution,
            changes=changes,
        )
    return institution


def _clean_department(name: str, credit_code: str, phone: str) -> tuple[str, str]:
    name = _clean_text(name, phone)
    credit_code = (credit_code or "").strip().upper()
    if credit_code and (problem := credit_code_problem(credit_code)):
        raise ServiceError("invalid", problem, field="credit_code")
    return name, credit_code


@transaction.atomic
def department_create(
    *, by, institution: Institution, name: str, credit_code: str = "", windows: str = "", phone: str = ""
) -> Department:
    """Station a department at a 政务服务中心 or 便民服务中心 in the actor's scope."""
    if by is not None:
        require_cap(by, Cap.ORG_MANAGE, "您的角色无权管理进驻部门")
        if not institution_in_scope(by, institution):
            raise NotInScope(target=institution)
    if institution.tier == Institution.Tier.STATION:
        raise ServiceError("invalid", "便民服务站不设进驻部门", field="institution")
    name, credit_code = _clean_department(name, credit_code, phone)
    if Department.objects.filter(institution=institution, name=name).exists():
        raise ServiceError("duplicate", f"{institution.name}已有进驻部门“{name}”", field="name")
    department = Department.objects.create(
        institution=institution,
        name=name,
        credit_code=credit_code,
        windows=windows.strip(),
        phone=phone.strip(),
    )
    audit_record(
        actor=by,
        action="org.department.create",
        target=department,
        institution=institution,
        changes=created(snapshot(department, DEPARTMENT_FIELDS)),
    )
    return department


@transaction.atomic
def department_update(
    *,
    by,
    department: Department,
    name: str,
    credit_code: str = "",
    windows: str = "",
    phone: str = "",
    is_active: bool = True,
) -> Department:
    require_cap(by, Cap.ORG_MANAGE, "您的角色无权管理进驻部门")
    department = Department.objects.select_for_update().select_related("institution").get(pk=department.pk)
    if not institution_in_scope(by, department.institution):
        raise NotInScope(target=department)
    name, credit_code = _clean_department(name, credit_code, phone)
    if (
        Department.objects.filter(institution=department.institution, name=name)
        .exclude(pk=department.pk)
        .exists()
    ):
        raise ServiceError("duplicate", f"{department.institution.name}已有进驻部门“{name}”", field="name")
    before = snapshot(department, DEPARTMENT_FIELDS)
    if name != department.name:
        transaction.on_commit(department_names_changed)
    department.name, department.credit_code = name, credit_code
    department.windows, department.phone, department.is_active = windows.strip(), phone.strip(), is_active
    department.save()
    changes = diff(before, snapshot(department, DEPARTMENT_FIELDS))
    if changes:
        audit_record(
            actor=by,
            action="org.department.update",
            target=department,
            institution=department.institution,
            changes=changes,
        )
    return department
