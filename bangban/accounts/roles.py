"""Staff roles and what each may do (domain.md §1).

Capabilities are checked by services (the authority) and by navigation (what a page
offers). *Where* a capability applies is always the user's data scope (org.selectors).
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    AGENT = "agent", "帮办代办员"
    COORDINATOR = "coordinator", "协调员"
    CHIEF_LIAISON = "chief_liaison", "首席协办员"
    LIAISON = "liaison", "专职协办员"
    CENTER_ADMIN = "center_admin", "中心管理员"
    CATALOG_ADMIN = "catalog_admin", "事项管理员"
    SUPERVISOR = "supervisor", "监督员"
    SYSADMIN = "sysadmin", "系统管理员"


class Cap:
    ORG_VIEW = "org.view"
    ORG_MANAGE = "org.manage"
    STAFF_VIEW = "staff.view"
    STAFF_MANAGE = "staff.manage"
    AUDIT_VIEW = "audit.view"
    DIVISIONS_MANAGE = "divisions.manage"
    CATALOG_VIEW = "catalog.view"
    CATALOG_MANAGE = "catalog.manage"
    CATALOG_REVIEW = "catalog.review"
    CASE_HANDLE = "case.handle"
    CASE_COORDINATE = "case.coordinate"
    CASE_LIAISON = "case.liaison"
    CASE_VIEW_ALL = "case.view_all"
    SUPERVISION_VIEW = "supervision.view"
    CALENDAR_MANAGE = "calendar.manage"
    # Evaluation and supervision (issue 10).
    REVIEW_HANDLE = "review.handle"  # take reviews at the window, log 回访, rectify, 申诉
    REVIEW_DECIDE = "review.decide"  # 复核 a rectification, decide a 申诉
    COMPLAINT_HANDLE = "complaint.handle"  # run a complaint through its five steps
    CONSULTATION_HANDLE = "consultation.handle"  # the consultation register
    SUPERVISION_ISSUE = "supervision.issue"  # issue 督办单, set indicator targets, score agents
    TRAINING_MANAGE = "training.manage"  # training courses, sessions, emergency plans and drills
    # Citizen front door (issue 11).
    KNOWLEDGE_MANAGE = "knowledge.manage"  # write, review, publish and import knowledge articles
    # Key projects (issue 13).
    PROJECT_MANAGE = "project.manage"  # register key projects, run their items, meetings and blockers
    PROJECT_LIAISON = "project.liaison"  # a department's queue of project items and liaison requests


_BASE = {Cap.ORG_VIEW, Cap.CATALOG_VIEW}

CAPABILITIES: dict[str, frozenset[str]] = {
    Role.AGENT: frozenset(_BASE | {Cap.CASE_HANDLE, Cap.REVIEW_HANDLE, Cap.CONSULTATION_HANDLE}),
    Role.COORDINATOR: frozenset(
        _BASE
        | {
            Cap.CASE_HANDLE,
            Cap.CASE_COORDINATE,
            Cap.CASE_VIEW_ALL,
            Cap.STAFF_VIEW,
            Cap.REVIEW_HANDLE,
            Cap.CONSULTATION_HANDLE,
            Cap.COMPLAINT_HANDLE,
            Cap.TRAINING_MANAGE,
            Cap.KNOWLEDGE_MANAGE,
        }
    ),
    Role.CHIEF_LIAISON: frozenset(_BASE | {Cap.CASE_LIAISON}),
    Role.LIAISON: frozenset(_BASE | {Cap.CASE_LIAISON}),
    Role.CENTER_ADMIN: frozenset(
        _BASE
        | {
            Cap.ORG_MANAGE,
            Cap.STAFF_VIEW,
            Cap.STAFF_MANAGE,
            Cap.AUDIT_VIEW,
            Cap.CASE_VIEW_ALL,
            Cap.CASE_COORDINATE,
            Cap.SUPERVISION_VIEW,
            Cap.CALENDAR_MANAGE,
            Cap.COMPLAINT_HANDLE,
            Cap.TRAINING_MANAGE,
            Cap.KNOWLEDGE_MANAGE,
        }
    ),
    Role.CATALOG_ADMIN: frozenset(_BASE | {Cap.CATALOG_MANAGE, Cap.CATALOG_REVIEW, Cap.KNOWLEDGE_MANAGE}),
    Role.SUPERVISOR: frozenset(
        _BASE
        | {
            Cap.STAFF_VIEW,
            Cap.AUDIT_VIEW,
            Cap.CASE_VIEW_ALL,
            Cap.SUPERVISION_VIEW,
            Cap.REVIEW_DECIDE,
            Cap.COMPLAINT_HANDLE,
            Cap.SUPERVISION_ISSUE,
        }
    ),
    Role.SYSADMIN: frozenset(
        _BASE
        | {
            Cap.ORG_MANAGE,
            Cap.STAFF_VIEW,
            Cap.STAFF_MANAGE,
            Cap.AUDIT_VIEW,
            Cap.DIVISIONS_MANAGE,
            Cap.CALENDAR_MANAGE,
            Cap.SUPERVISION_VIEW,
            Cap.CASE_VIEW_ALL,
        }
    ),
}

# Key projects (issue 13): the center's agents, coordinators and heads run projects; the
# departments' 首席/专职协办员 answer for their department. Added here so the table above stays as merged.
_PROJECT_CAPS = {
    Role.AGENT: {Cap.PROJECT_MANAGE},
    Role.COORDINATOR: {Cap.PROJECT_MANAGE},
    Role.CENTER_ADMIN: {Cap.PROJECT_MANAGE},
    Role.CHIEF_LIAISON: {Cap.PROJECT_LIAISON},
    Role.LIAISON: {Cap.PROJECT_LIAISON},
}
for _role, _caps in _PROJECT_CAPS.items():
    CAPABILITIES[_role] = CAPABILITIES[_role] | frozenset(_caps)

# Roles a holder of STAFF_MANAGE may grant: everything but 系统管理员, which only a 系统管理员 grants.
PRIVILEGED_ROLES = frozenset({Role.SYSADMIN})

# Separation of duties (等保 三级): roles that administer staff accounts are never combined with
# the roles that watch or approve what staff do, so nobody supervises or approves their own work.
STAFF_ADMIN_ROLES = frozenset(r for r, caps in CAPABILITIES.items() if Cap.STAFF_MANAGE in caps)
INCOMPATIBLE_ROLES: list[tuple[frozenset[str], str]] = [
    (frozenset({admin, other}), reason)
    for admin in sorted(STAFF_ADMIN_ROLES)
    for other, reason in (
        (Role.SUPERVISOR, "管理工作人员的账号不能同时监督他们的工作"),
        (Role.CATALOG_ADMIN, "管理工作人员的账号不能同时审核事项调整"),
    )
]


def grantable_roles(roles) -> frozenset[str]:
    """The roles an account holding `roles` may grant (and so may manage accounts holding)."""
    if not capabilities_of(roles) & {Cap.STAFF_MANAGE}:
        return frozenset()
    if Role.SYSADMIN in roles:
        return frozenset(Role.values)
    return frozenset(Role.values) - PRIVILEGED_ROLES


def role_conflicts(roles) -> list[str]:
    """Chinese sentences, one per incompatible pair present in `roles` (empty when none)."""
    present = set(roles)
    return [
        f"{'与'.join(role_label(r) for r in sorted(pair, key=Role.values.index))}不能由同一账号兼任：{reason}"
        for pair, reason in INCOMPATIBLE_ROLES
        if pair <= present
    ]


def capabilities_of(roles) -> frozenset[str]:
    caps: set[str] = set()
    for role in roles:
        caps |= CAPABILITIES.get(role, frozenset())
    return frozenset(caps)


def role_label(role: str) -> str:
    return Role(role).label if role in Role.values else role
