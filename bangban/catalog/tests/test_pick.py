"""The window's type-ahead over an institution's 清单 (issue 9): pinyin initials, codes, departments,
the 清单's own scope, the agent's frequent items first, 一件事 bundles."""

import datetime as dt

import pytest
from django.db import DatabaseError, transaction

from bangban.cases.tests.conftest import make_item
from bangban.catalog.models import Bundle, BundleItem, FrozenVersionError, ItemVersion, ListingEntry
from bangban.catalog.pinyin import initials
from bangban.catalog.selectors import pick_bundles, pick_items

ON = dt.date(2025, 7, 1)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("个体工商户设立登记", "gtgshsldj"),
        ("食品经营许可（仅销售预包装食品）", "spjyxkjxsybzsp"),
        ("银行业金融机构设立", "yhyjrjgsl"),  # 行 read háng in 银行 (the phrase dictionary)
        ("行政许可", "xzxk"),  # and xíng in 行政
        ("ABC-12 证明", "abc12zm"),
        ("", ""),
    ],
)
def test_initials(name, expected):
    assert initials(name) == expected


def test_a_saved_version_carries_its_initials_and_they_freeze_with_it(org):
    item = make_item(org, "个体工商户设立登记")
    version = ItemVersion.objects.get(item=item)
    assert version.name_initials == "gtgshsldj"
    with pytest.raises(FrozenVersionError):
        version.save(update_fields=["name_initials"])
    # Underneath the model, the database guard (migration 0005 re-installs it with the new column).
    with pytest.raises(DatabaseError), transaction.atomic():
        ItemVersion.objects.filter(pk=version.pk).update(name_initials="x")


def test_a_draft_renamed_gets_new_initials(org):
    item = make_item(org, "个体工商户设立登记")
    draft = ItemVersion.objects.get(item=item)
    draft.pk, draft.state, draft.number, draft._state.adding = None, ItemVersion.State.DRAFT, None, True
    draft.save()
    draft.name = "残疾人证补办"
    draft.save(update_fields=["name"])
    assert ItemVersion.objects.get(pk=draft.pk).name_initials == "cjrzbb"


@pytest.fixture
def listing(org):
    return {
        "gt": make_item(org, "个体工商户设立登记", promised=3, code_seq=1),
        "gt2": make_item(org, "个体工商户变更登记", promised=5, code_seq=2),
        "cjr": make_item(org, "残疾人证补办", promised=0, immediate=True, code_seq=3),
        "county": make_item(org, "建设工程施工许可证核发", help_tiers="1", agency_tiers="1", code_seq=4),
        "paused": make_item(org, "个体工商户歇业备案", suspended=True, code_seq=5),
    }


def names(picks):
    return [p.name for p in picks]


def test_initials_name_code_and_department_find_items(org, listing):
    pick = dict(institution=org.town, on=ON, mode="help")
    assert names(pick_items(q="gtgsh", **pick)) == ["个体工商户设立登记", "个体工商户变更登记"]
    assert names(pick_items(q="GTGSHBG", **pick)) == ["个体工商户变更登记"]
    assert names(pick_items(q="sldj", **pick)) == ["个体工商户设立登记"]  # initials anywhere
    assert names(pick_items(q="残疾", **pick)) == ["残疾人证补办"]
    code = listing["cjr"].basic_code
    assert names(pick_items(q=code[:10], **pick))[:1] and "残疾人证补办" in names(pick_items(q=code, **pick))
    assert names(pick_items(q=listing["gt"].implementation_code, **pick)) == ["个体工商户设立登记"]
    assert len(pick_items(q="市场监督", **pick)) == 3  # the department's name
    first = pick_items(q="cjrzbb", **pick)[0]
    assert (first.is_immediate, first.limit_label) == (True, "即办")
    assert pick_items(q="gtgshsl", **pick)[0].limit_label == "3 个工作日"


def test_only_the_institutions_listing_in_its_mode_and_tier(org, listing):
    # Not at a town (county tier only), not suspended, not unlisted, not where the 清单 offers no help.
    assert names(pick_items(institution=org.town, on=ON, mode="help", q="jsgc")) == []
    assert names(pick_items(institution=org.county, on=ON, mode="help", q="jsgc")) == [
        "建设工程施工许可证核发"
    ]
    assert "个体工商户歇业备案" not in names(pick_items(institution=org.county, on=ON, mode=None, q="gtgsh"))
    ListingEntry.objects.filter(institution=org.town, item=listing["gt2"]).update(offers_help=False)
    assert names(pick_items(institution=org.town, on=ON, mode="help", q="gtgsh")) == ["个体工商户设立登记"]
    assert "个体工商户变更登记" in names(pick_items(institution=org.town, on=ON, mode="agency", q="gtgsh"))
    ListingEntry.objects.filter(institution=org.town2).delete()
    assert pick_items(institution=org.town2, on=ON, mode="help", q="gtgsh") == []


def test_frequent_items_lead_and_fill_an_empty_search(org, listing):
    pick = dict(institution=org.town, on=ON, mode="help")
    frequent = [listing["gt2"].pk, listing["cjr"].pk, listing["county"].pk]  # the county one is not offered
    assert names(pick_items(q="gtgsh", frequent=frequent, **pick)) == [
        "个体工商户变更登记",
        "个体工商户设立登记",
    ]
    assert [p.frequent for p in pick_items(q="gtgsh", frequent=frequent, **pick)] == [True, False]
    assert names(pick_items(q="", frequent=frequent, **pick)) == ["个体工商户变更登记", "残疾人证补办"]
    assert pick_items(q="   ", **pick) == []


def test_long_or_odd_input_is_cut_not_refused(org, listing):
    pick = dict(institution=org.town, on=ON, mode="help")
    assert pick_items(q="个" * 5000, **pick) == []
    assert pick_items(q="%_'\"\\", **pick) == []
    assert names(pick_items(q="  个体  工商户 ", **pick)) == []  # inner spaces are kept as one: no match


def test_bundles_add_the_items_the_listing_offers(org, listing):
    bundle = Bundle.objects.create(name="开办个体工商户一件事", audience="enterprise")
    for n, key in enumerate(("gt", "cjr", "county")):
        BundleItem.objects.create(bundle=bundle, item=listing[key], position=n)
    Bundle.objects.create(name="不公开的一件事", audience="citizen", is_published=False)
    found = pick_bundles(institution=org.town, on=ON, mode="help", q="kbgtgsh")
    assert [(b.name, b.item_ids, b.missing) for b in found] == [
        ("开办个体工商户一件事", (listing["gt"].pk, listing["cjr"].pk), 1)
    ]
    assert pick_bundles(institution=org.town, on=ON, mode="help", q="个体工商户")[0].bundle_id == bundle.pk
    assert pick_bundles(institution=org.town, on=ON, mode="help", q="不公开") == []
    assert pick_bundles(institution=org.town, on=ON, mode="help", q="") == []


def test_chosen_ids_back_to_lines_and_bundles_to_items(org, listing):
    from bangban.catalog.selectors import bundle_item_ids, picks_for

    pick = dict(institution=org.town, on=ON, mode="help")
    ids = [listing["cjr"].pk, listing["county"].pk, listing["gt"].pk, listing["cjr"].pk]
    assert names(picks_for(item_ids=ids, **pick)) == ["残疾人证补办", "个体工商户设立登记"]
    bundle = Bundle.objects.create(name="开办一件事", audience="enterprise")
    for n, key in enumerate(("county", "gt2", "gt")):
        BundleItem.objects.create(bundle=bundle, item=listing[key], position=n)
    hidden = Bundle.objects.create(name="未公开", audience="citizen", is_published=False)
    BundleItem.objects.create(bundle=hidden, item=listing["cjr"])
    assert bundle_item_ids(bundle_ids=[bundle.pk, hidden.pk, 999], **pick) == [
        listing["gt2"].pk,
        listing["gt"].pk,
    ]


def test_a_bundle_stores_its_initials_and_a_renamed_one_gets_new_ones(db):
    bundle = Bundle.objects.create(name="开办个体工商户一件事", audience="enterprise")
    assert Bundle.objects.get(pk=bundle.pk).name_initials == "kbgtgshyjs"
    bundle.name = "出生一件事"
    bundle.save(update_fields=["name"])
    assert Bundle.objects.get(pk=bundle.pk).name_initials == "csyjs"


def test_serving_pages_and_searching_does_not_load_pypinyin():
    """pypinyin's dictionaries cost each process about 55 MB: only saving a name needs them."""
    import subprocess
    import sys

    code = (
        "import django, sys; django.setup(); import bangban.urls, bangban.api_urls;"
        " from bangban.catalog import selectors, models, exchange;"
        " sys.exit('pypinyin' in sys.modules)"
    )
    env = {**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "bangban.settings"}
    assert subprocess.run([sys.executable, "-c", code], env=env).returncode == 0
