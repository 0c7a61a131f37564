"""Reads of the organization, and the one place data scope is defined.

A user's scope is their institution and everything below it. Every selector in every app
filters with `scope_q` / `institutions_in_scope`; `get_in_scope` turns an out-of-scope id
into NotInScope (recorded as a refused access, shown as not found).
"""

from __future__ import annotations

import logging
import uuid

from django.db.models import Count, Q, QuerySet

from bangban.core.errors import NotInScope
from bangban.core.routing import parse_id
from bangban.org.models import Department, Institution

log = logging.getLogger(__name__)


def scope_root_path(user) -> str | None:
    """The path prefix of the user's scope; "" means everything, None means nothing."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    institution = user.institution
    if institution is None or not institution.is_active:
        return None
    return institution.path


def scope_q(user, field: str = "institution") -> Q:
    """A Q object restricting `field` (an Institution foreign key path; "" for Institution itself)."""
    root = scope_root_path(user)
    if root is None:
        return Q(pk__in=[])
    if root == "":
        return Q()
    return Q(**{f"{field}__path__startswith" if field else "path__startswith": root})


def institution_in_scope(user, institution: Institution | None) -> bool:
    root = scope_root_path(user)
    return root is not None and institution is not None and institution.path.startswith(root)


def institutions_in_scope(user) -> QuerySet[Institution]:
    root = scope_root_path(user)
    qs = Institution.objects.select_related("division", "parent")
    if root is None:
        return qs.none()
    return qs.filter(path__startswith=root) if root else qs


def get_in_scope(queryset: QuerySet, user, pk, *, field: str = "institution"):
    """The object with this pk if it lies in the user's scope; NotInScope if it exists elsewhere
    (or the pk is no id at all, e.g. "null" from a query string)."""
    if parse_id(str(pk)) is None:
        raise NotInScope()
    obj = queryset.filter(scope_q(user, field), pk=pk).first()
    if obj is not None:
        return obj
    other = queryset.model._default_manager.filter(pk=pk).first()
    raise NotInScope(target=other)


def institution_list(
    *, user, tier: int | None = None, search: str = "", parent_id=None
) -> QuerySet[Institution]:
    qs = institutions_in_scope(user).annotate(staff_count=Count("staff", distinct=True))
    if tier:
        qs = qs.filter(tier=tier)
    if parent_id:
        qs = qs.filter(parent_id=parent_id)
    if search:
        qs = qs.filter(
            Q(name__icontains=search) | Q(division__name__icontains=search) | Q(division__code=search)
        )
    return qs.order_by("path")


def institution_get(*, user, pk) -> Institution:
    return get_in_scope(Institution.objects.select_related("division", "parent"), user, pk, field="")


def department_list(*, user, institution: Institution | None = None) -> QuerySet[Department]:
    qs = Department.objects.select_related("institution").filter(scope_q(user))
    if institution is not None:
        qs = qs.filter(institution=institution)
    return qs.order_by("institution__path", "name")


def department_get(*, user, pk) -> Department:
    return get_in_scope(Department.objects.select_related("institution"), user, pk)


# --- the departments' names, as copies elsewhere see them -------------------------------------------

DEPARTMENT_NAMES_KEY = "bangban:org:department-names-version"


def department_names_changed() -> None:
    """Tell every process that a department's name changed (on commit, by department_update):
    copies that show department names (a project's cached Gantt) compare this token."""
    from django.core.cache import cache

    try:
        cache.set(DEPARTMENT_NAMES_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:  # the cache is down: its copies are gone with it
        log.warning("could not publish the department names version", exc_info=True)


def department_names_version() -> str | None:
    """The current token of the departments' names (None while the cache is unavailable: trust no
    copy then)."""
    from django.core.cache import cache

    try:
        token = cache.get(DEPARTMENT_NAMES_KEY)
        if token is None:
            cache.add(DEPARTMENT_NAMES_KEY, uuid.uuid4().hex, timeout=None)
            token = cache.get(DEPARTMENT_NAMES_KEY)
        return token
    except Exception:
        log.warning("cache unavailable: department names are read from the database", exc_info=True)
        return None
