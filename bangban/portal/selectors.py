"""Reads of the public portal. Nothing here depends on who is asking: every page is the same for all."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

from bangban.cases.models import CaseItem
from bangban.catalog import codes
from bangban.catalog.models import Bundle
from bangban.catalog.selectors import versions_in_force
from bangban.core.kept import Kept
from bangban.divisions.models import Division
from bangban.org.models import Institution
from bangban.portal.rules import tel_href

POPULAR_DAYS = 90
POPULAR_LIMIT = 8
# The popular list and the host's contact change rarely; every public page reads the host (footer).
POPULAR_CACHE_SECONDS = 600
HOST_CACHE_SECONDS = 300
BUNDLES_ON_HOME = 6


@dataclass(frozen=True)
class Place:
    """What a citizen needs to reach an institution."""

    pk: int
    name: str
    tier_label: str
    address: str
    hours: str
    phone: str
    tel: str


def _place(inst: Institution) -> Place:
    return Place(
        pk=inst.pk,
        name=inst.name,
        tier_label=inst.get_tier_display(),
        address=inst.address,
        hours=inst.opening_hours,
        phone=inst.phone,
        tel=tel_href(inst.phone),
    )


def _host_institution() -> Institution | None:
    """The platform's host: the first top-level active institution (the county's 政务服务中心). By id, not
    by path: paths compare as text ("/10/" < "/9/")."""
    return Institution.objects.filter(parent__isnull=True, is_active=True).order_by("pk").first()


def _read_host(_previous) -> Place | None:
    host = _host_institution()
    return _place(host) if host else None


# Every public page shows the host and it changes rarely: each process keeps it (core.kept), so a
# footer costs no round trip to the cache or the database; a change shows everywhere within that time.
kept_host = Kept(_read_host, HOST_CACHE_SECONDS)


def host_contact() -> Place | None:
    """The footer's host institution and contact (kept per process for HOST_CACHE_SECONDS)."""
    return kept_host.get()


def towns() -> list[Division]:
    """The towns and streets (乡级) of the host's area, for the first select of the 'nearest' form."""
    host = _host_institution()
    if host is None:
        return []
    return list(
        Division.objects.filter(code__startswith=host.division_id, level=Division.Level.TOWN).order_by("code")
    )


def villages(town: Division | None) -> list[Division]:
    if town is None:
        return []
    return list(Division.objects.filter(parent=town, level=Division.Level.VILLAGE).order_by("code"))


def division_in_area(code: str | None, *, level: int, parent: Division | None = None) -> Division | None:
    """A division of `level` in the host's area (and under `parent`), or None for anything else."""
    code = (code or "").strip()
    if not code.isdigit() or len(code) > 12:
        return None
    host = _host_institution()
    if host is None or not code.startswith(host.division_id):
        return None
    division = Division.objects.filter(code=code, level=level).first()
    if division is None or (parent is not None and division.parent_id != parent.code):
        return None
    return division


def institutions_near(division: Division) -> list[Place]:
    """The active institutions at `division` (or, where it has none, at the nearest division above it)
    and every institution above them: nearest first (station, town centre, county centre)."""
    found: list[Institution] = []
    place: Division | None = division
    for _ in range(5):  # village → town → county → city → province
        if place is None:
            break
        found = list(Institution.objects.filter(division=place, is_active=True))
        if found:
            break
        place = place.parent
    ids = {int(part) for inst in found for part in inst.path.strip("/").split("/") if part}
    chain = Institution.objects.filter(pk__in=ids, is_active=True)
    return [_place(i) for i in sorted(chain, key=lambda i: (-i.depth, i.path))]


@dataclass(frozen=True)
class Popular:
    item_id: int
    name: str
    count: int


def _popular_rows(since: datetime.datetime, limit: int) -> list[tuple[int, int]]:
    rows = (
        CaseItem.objects.filter(case__created_at__gte=since)
        .values("item_version__item_id")
        .annotate(n=Count("id"))
        .order_by("-n", "item_version__item_id")[:limit]
    )
    return [(r["item_version__item_id"], r["n"]) for r in rows]


def popular_items(*, on: datetime.date | None = None, limit: int = POPULAR_LIMIT) -> list[Popular]:
    """The items most registered as cases in the last 90 days that are in force today (cached 10 min:
    the count runs over 90 days of cases, the list changes slowly)."""
    on = on or timezone.localdate()
    key = f"portal:popular:{on.isoformat()}:{limit}"
    rows = cache.get(key)
    if rows is None:
        since = timezone.now() - datetime.timedelta(days=POPULAR_DAYS)
        rows = _popular_rows(since, limit)
        cache.set(key, rows, POPULAR_CACHE_SECONDS)
    if not rows:
        return []
    names = dict(
        versions_in_force(on=on)
        .filter(item_id__in=[item_id for item_id, _n in rows], is_suspended=False)
        .values_list("item_id", "name")
    )
    return [Popular(item_id, names[item_id], n) for item_id, n in rows if item_id in names]


def citizen_themes() -> list[tuple[str, str]]:
    """(code, label) of the catalog's themes for individuals: the home's way in when nothing is popular yet."""
    return [(code, label) for code, (label, who) in codes.TAGS.items() if who == codes.CITIZEN]


def home_bundles() -> list[Bundle]:
    return list(Bundle.objects.filter(is_published=True).order_by("audience", "name")[:BUNDLES_ON_HOME])


ASK_INSTITUTIONS_MAX = 500


def ask_institutions() -> list[Institution]:
    """Where a question may be sent: the active institutions, tree order (bounded)."""
    return list(Institution.objects.filter(is_active=True).order_by("path")[:ASK_INSTITUTIONS_MAX])


def item_name(pk) -> tuple[int, str] | None:
    """(id, name) of an item in force today, for the 留言咨询 form's optional item; None if unknown."""
    if not isinstance(pk, int):
        return None
    row = (
        versions_in_force(on=timezone.localdate())
        .filter(item_id=pk)
        .order_by("-valid_from")
        .values_list("item_id", "name")
        .first()
    )
    return tuple(row) if row else None
