"""信息公开率 from the process's catalog snapshot: the same figures as the catalog's rows say on any day,
grouping and subtree; a change made in this process is seen at once, another process's (no signal)
within the marker's interval."""

import datetime as dt

import pytest
from django.db.models import Count, Exists, OuterRef, Q

from bangban.cases.tests.conftest import make_item
from bangban.catalog.models import ItemVersion, ListingEntry
from bangban.catalog.selectors import in_force_q
from bangban.supervision import disclosure

pytestmark = pytest.mark.django_db
D = dt.date


def reference(ids, on, group):
    """The figure straight from the rows (the EXISTS query the snapshot replaced)."""
    versions = ItemVersion.objects.filter(in_force_q(on), item_id=OuterRef("item_id"), is_suspended=False)
    qs = (
        ListingEntry.objects.filter(institution_id__in=ids)
        .annotate(offered=Exists(versions), complete=Exists(versions.filter(guide_complete=True)))
        .filter(offered=True)
    )
    counts = {"den": Count("id"), "num": Count("id", filter=Q(complete=True))}
    if group is None:
        r = qs.aggregate(**counts)
        return {None: (r["num"], r["den"])}
    return {r[group]: (r["num"], r["den"]) for r in qs.values(group).annotate(**counts).order_by()}


def successor(version, *, number, valid_from, valid_to, complete):
    """Another published, not suspended version of the same item, in force over valid_from–valid_to."""
    twin = ItemVersion.objects.get(pk=version.pk)
    twin.pk = twin.id = None
    twin.number, twin.valid_from, twin.valid_to = number, valid_from, valid_to
    twin.guide_complete, twin.is_suspended = complete, False
    twin.save()
    return twin


@pytest.fixture
def catalog(org):
    """Items with versions in force over different stretches (each made with a suspended version 1,
    never offered, and published successors: published rows are frozen), listed by every institution
    (make_item):
    - renewed: incomplete from 2020 until 2025-12-31, then complete;
    - suspended: only its suspended version (never offered);
    - future: in force from 2027-01-01, complete;
    - closed: complete, in force 2024-01-01 to 2025-06-30 only."""

    def item(name, seq, *stretches):
        made = make_item(org, name, code_seq=seq, suspended=True)
        base = made.versions.get()
        for number, (lo, hi, complete) in enumerate(stretches, start=2):
            successor(base, number=number, valid_from=lo, valid_to=hi, complete=complete)
        return made

    renewed = item("食品经营许可", 11, (D(2020, 1, 1), D(2025, 12, 31), False), (D(2026, 1, 1), None, True))
    suspended = item("药品零售许可", 12)
    future = item("排污许可", 13, (D(2027, 1, 1), None, True))
    closed = item("道路运输许可", 14, (D(2024, 1, 1), D(2025, 6, 30), True))
    assert (
        suspended.listings.count() == ListingEntry.objects.filter(item=renewed).count() > 3
    )  # all list them
    return {"renewed": renewed, "future": future, "closed": closed}


DAYS = [D(2024, 1, 1), D(2025, 6, 30), D(2025, 7, 1), D(2025, 12, 31), D(2026, 1, 1), D(2027, 1, 1)]


def test_every_day_grouping_and_subtree_agrees_with_the_rows(org, catalog):
    subtrees = [[org.town.pk], [org.town.pk, org.station.pk], [org.county.pk, org.town.pk, org.station.pk]]
    for on in [*DAYS, D(2023, 12, 31), D(2030, 1, 1)]:
        for ids in subtrees:
            for group in (None, "institution_id", "item_id"):
                assert disclosure.counts(ids, on, group) == reference(ids, on, group), (on, ids, group)
    town = [org.town.pk]
    # The figures themselves: before the renewal the renewed item is offered but incomplete.
    assert disclosure.counts(town, D(2025, 6, 30), None) == {None: (1, 2)}  # closed complete, renewed not
    assert disclosure.counts(town, D(2025, 7, 1), None) == {None: (0, 1)}
    assert disclosure.counts(town, D(2026, 1, 1), None) == {None: (1, 1)}
    assert disclosure.counts(town, D(2027, 1, 1), "item_id") == {
        catalog["renewed"].pk: (1, 1),
        catalog["future"].pk: (1, 1),
    }


def test_a_write_in_this_process_is_seen_at_once(org, catalog):
    town, on = [org.town.pk], D(2026, 6, 1)
    assert disclosure.counts(town, on, None) == {None: (1, 1)}  # the renewed item, complete
    entry = ListingEntry.objects.get(institution=org.town, item=catalog["renewed"])
    entry.delete()
    assert disclosure.counts(town, on, None) == {None: (0, 0)}  # post_delete forgot the snapshot
    ListingEntry.objects.create(institution=org.town, item=catalog["renewed"], offers_help=True)
    assert disclosure.counts(town, on, None) == {None: (1, 1)}  # post_save likewise


def test_another_process_s_write_is_seen_within_the_marker_interval(org, catalog, monkeypatch):
    town, on = [org.town.pk], D(2026, 6, 1)
    monkeypatch.setattr(disclosure.kept, "seconds", 3600.0)  # however slow the machine
    assert disclosure.counts(town, on, None) == {None: (1, 1)}
    # Another process publishes a version of the future item in force from 2026, its guide incomplete:
    # no signal here (bulk_create sends none), only the marker moves.
    twin = ItemVersion.objects.get(item=catalog["future"], number=2)
    twin.pk = twin.id = None
    twin.number, twin.valid_from, twin.guide_complete = 3, D(2026, 1, 1), False
    ItemVersion.objects.bulk_create([twin])
    assert disclosure.counts(town, on, None) == {None: (1, 1)}  # within MARKER_SECONDS: the kept snapshot
    monkeypatch.setattr(disclosure.kept, "seconds", 0.0)
    assert disclosure.counts(town, on, None) == {None: (1, 2)}  # the marker is read again and has moved
    assert disclosure.counts(town, on, None) == reference(town, on, None)


def test_stretches_kept_are_bounded(org, catalog, monkeypatch):
    monkeypatch.setattr(disclosure, "SEGMENTS_KEPT", 2)
    for on in DAYS:
        disclosure.counts([org.town.pk], on, None)
    snapshot = disclosure._snapshot()
    assert len(snapshot.stretches) == 2
    assert disclosure.counts([org.town.pk], DAYS[0], None) == reference([org.town.pk], DAYS[0], None)
