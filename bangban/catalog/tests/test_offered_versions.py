"""catalog.selectors.offered_versions (registration's hot path) agrees with offered_items."""

import datetime as dt

import pytest

from bangban.cases.tests.conftest import make_item
from bangban.catalog.models import ItemVersion, ListingEntry
from bangban.catalog.selectors import offered_items, offered_versions
from bangban.org.models import Institution

COLUMNS = ("id", "item_id", "name", "promised_days", "is_immediate", "state")


@pytest.fixture
def catalog(org):
    items = [
        make_item(org, "全层级", code_seq=1),
        make_item(org, "仅县级帮办", help_tiers="1", agency_tiers="12", code_seq=2),
        make_item(org, "即办件", promised=0, immediate=True, code_seq=3),
        make_item(org, "明年生效", code_seq=4, valid_from=dt.date(2026, 1, 1)),
        make_item(org, "已暂停", code_seq=5, suspended=True),
        make_item(org, "已到期", code_seq=6),
        make_item(org, "镇里不帮办", code_seq=7),
    ]
    ItemVersion.objects.filter(item=items[5]).update(valid_to=dt.date(2025, 6, 30))
    ListingEntry.objects.filter(item=items[6], institution=org.town).update(offers_help=False)
    return items


def test_offered_versions_matches_offered_items(org, catalog):
    ids = [item.pk for item in catalog] + [999999]
    compared = 0
    for institution in Institution.objects.all():
        for mode in ("help", "agency"):
            for on in (dt.date(2025, 6, 30), dt.date(2025, 7, 1), dt.date(2026, 3, 1)):
                expected = {v.item_id: v for v in offered_items(institution=institution, on=on, mode=mode)}
                got = offered_versions(
                    institution=institution, on=on, mode=mode, item_ids=ids, columns=COLUMNS
                )
                assert set(got) == set(expected), (institution, mode, on)
                for item_id, version in got.items():
                    reference = expected[item_id]
                    assert version.pk == reference.pk
                    assert [getattr(version, c) for c in COLUMNS] == [getattr(reference, c) for c in COLUMNS]
                    assert isinstance(version.is_immediate, bool)
                compared += len(got)
    assert compared > 50
    town_help = offered_versions(
        institution=org.town, on=dt.date(2025, 7, 1), mode="help", item_ids=ids, columns=COLUMNS
    )
    names = {v.name for v in town_help.values()}
    assert "全层级" in names and not names & {"仅县级帮办", "明年生效", "已暂停", "已到期", "镇里不帮办"}
    with pytest.raises(ValueError):
        offered_versions(
            institution=org.town, on=dt.date(2025, 7, 1), mode="x", item_ids=ids, columns=COLUMNS
        )
