"""Reads of the public front door (the public may see institutions, offered items and free slots;
staff see templates and bookings under their institution)."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, QuerySet
from django.utils import timezone

from bangban.bookings.models import Booking, ServiceRequest, Slot, SlotTemplate, label_of
from bangban.catalog.selectors import offered_items
from bangban.divisions.models import Division
from bangban.org.models import Institution
from bangban.org.selectors import scope_q

SLOT_DAYS = 14
ITEM_LIMIT = 30


def public_institutions() -> QuerySet[Institution]:
    return Institution.objects.filter(is_active=True).select_related("division").order_by("path")


def public_institution(pk) -> Institution | None:
    return public_institutions().filter(pk=pk).first() if pk else None


def institution_for_division(code: str) -> Institution | None:
    """The institution serving a place: the station of the village, else the centre of the town,
    else the county's centre (the deepest active institution on the division's chain)."""
    chain: list[str] = []
    division = Division.objects.filter(code=str(code or "")[:12]).first()
    while division is not None and len(chain) < 6:
        chain.append(division.code)
        division = division.parent
    if not chain:
        return None
    return public_institutions().filter(division_id__in=chain).order_by("-tier", "path").first()


def served_divisions() -> QuerySet[Division]:
    """Places (towns, villages) where an active centre or station works, for the picker."""
    return (
        Division.objects.filter(institutions__is_active=True, institutions__tier__in=(2, 3))
        .distinct()
        .order_by("code")
    )


def offered_for(institution: Institution, *, kind: str, q: str = ""):
    """Item versions the institution offers today for `kind` ("help"/"agency"), optionally by name."""
    versions = offered_items(
        institution=institution, on=timezone.localdate(), mode="agency" if kind == "agency" else "help"
    )
    q = " ".join((q or "").split())[:50]
    versions = versions.select_related(None).only("id", "item_id", "name")
    if not q:
        return versions[:ITEM_LIMIT]
    # The knowledge base's search (word segmentation, synonyms: "办社保卡" finds 社会保障卡申领), best
    # first; the offered ones among its items. A name typed exactly as listed is found as before.
    from bangban.knowledge.selectors import ITEM, search

    ranked = [h.id for h in search(q=q, limit=50).hits if h.kind == ITEM]
    found = {v.item_id: v for v in versions.filter(item_id__in=ranked)}
    best = [found[i] for i in ranked if i in found]
    seen = set(found)
    best += [v for v in versions.filter(name__icontains=q)[:ITEM_LIMIT] if v.item_id not in seen]
    return best[:ITEM_LIMIT]


def open_slots(institution: Institution, *, days: int = SLOT_DAYS) -> QuerySet[Slot]:
    """Slots with a free place from tomorrow on (today is not bookable online)."""
    today = timezone.localdate()
    return Slot.objects.filter(
        institution=institution,
        date__gt=today,
        date__lte=today + dt.timedelta(days=days),
        booked__lt=F("capacity"),
    ).order_by("date", "start")


def booking_labels(case_ids) -> dict[int, str]:
    """{case id: "预约 12月3日 9:00"} for the cases' active bookings (one statement, for a list page)."""
    ids = [i for i in case_ids if i]
    if not ids:
        return {}
    rows = Booking.objects.filter(case_id__in=ids, status=Booking.Status.ACTIVE).select_related("slot")
    return {b.case_id: f"预约 {label_of(b.slot)}" for b in rows}


def case_booking(case) -> dict | None:
    """How a case asked online to be served: the way (window, door-to-door, remote), the address for a
    visit, and the active booking's slot; None for a case that came in at the window. Two statements."""
    request = ServiceRequest.objects.filter(case=case).first()
    booking = (
        Booking.objects.filter(case=case, status=Booking.Status.ACTIVE)
        .select_related("slot", "slot__institution")
        .first()
    )
    if request is None and booking is None:
        return None
    slot = booking.slot if booking else None
    return {
        "way": request.way if request else "",
        "way_label": request.get_way_display() if request else "",
        "address": request.address if request else "",
        "visit_for": request.visit_for if request else "",
        "slot": None
        if slot is None
        else {
            "id": slot.pk,
            "date": slot.date,
            "start": slot.start,
            "end": slot.end,
            "label": label_of(slot),
            "institution": slot.institution.name,
        },
    }


def templates_for(user) -> QuerySet[SlotTemplate]:
    return SlotTemplate.objects.filter(scope_q(user)).select_related("institution")


def template_get(user, pk) -> SlotTemplate | None:
    return templates_for(user).filter(pk=pk).first()
