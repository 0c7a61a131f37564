"""Reads of the portal: the host, towns and villages of its area, the nearest institutions, popular items."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from bangban.cases.models import Case
from bangban.cases.tests.conftest import make_item
from bangban.core import kept
from bangban.divisions.models import Division
from bangban.portal import selectors
from bangban.portal.tests.conftest import make_case

pytestmark = pytest.mark.django_db


def test_the_host_is_the_first_active_top_institution(org):
    host = selectors.host_contact()
    assert host.name == "虎丘区政务服务中心" and host.pk == org.county.pk


def test_no_institution_no_host(db):
    assert selectors.host_contact() is None
    assert selectors.towns() == [] and selectors.division_in_area("320505101", level=4) is None


def test_towns_are_those_of_the_hosts_area_only(org):
    assert [d.name for d in selectors.towns()] == ["枫桥街道", "通安镇"]
    town = Division.objects.get(code="320505101")
    assert [d.name for d in selectors.villages(town)] == ["通安社区", "树山村"]
    assert selectors.villages(None) == []


@pytest.mark.parametrize(
    ("code", "level", "parent", "found"),
    [
        ("320505101", 4, None, True),
        ("320505101201", 5, "320505101", True),
        ("320505101201", 5, "320505003", False),  # another town's village
        ("320505101", 5, None, False),  # wrong level
        ("320506001", 4, None, False),  # another county
        ("", 4, None, False),
        (None, 4, None, False),
        ("32050510120x", 5, None, False),
        ("3" * 13, 5, None, False),
    ],
)
def test_division_in_area(org, code, level, parent, found):
    parent_division = Division.objects.get(code=parent) if parent else None
    got = selectors.division_in_area(code, level=level, parent=parent_division)
    assert (got is not None) is found


def test_institutions_near_a_village_go_up_the_tree_nearest_first(org):
    village = Division.objects.get(code="320505101201")
    assert [p.name for p in selectors.institutions_near(village)] == [
        "树山村便民服务站",
        "通安镇便民服务中心",
        "虎丘区政务服务中心",
    ]
    town = Division.objects.get(code="320505003")
    assert [p.name for p in selectors.institutions_near(town)] == [
        "枫桥街道便民服务中心",
        "虎丘区政务服务中心",
    ]


def test_inactive_institutions_are_not_offered(org):
    org.station.is_active = False
    org.station.save()
    village = Division.objects.get(code="320505101201")
    # The village's station is closed: its town centre is the nearest.
    assert [p.name for p in selectors.institutions_near(village)] == [
        "通安镇便民服务中心",
        "虎丘区政务服务中心",
    ]


def test_popular_items_count_the_last_90_days_only(org, item):
    other = make_item(org, "居民养老保险参保登记", code_seq=2)
    old = make_case(org, other)
    make_case(org, other)
    make_case(org, item)
    assert [(p.name, p.count) for p in selectors.popular_items()] == [
        ("居民养老保险参保登记", 2),
        ("社会保障卡申领", 1),
    ]
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=91))
    from django.core.cache import cache

    cache.clear()
    # A tie is broken by the item id: the list is stable between requests.
    assert [(p.name, p.count) for p in selectors.popular_items()] == [
        ("社会保障卡申领", 1),
        ("居民养老保险参保登记", 1),
    ]


def test_popular_items_leave_out_items_no_longer_in_force(org, item):
    from bangban.catalog.models import ItemVersion

    make_case(org, item)
    ItemVersion.objects.filter(item=item).update(valid_to=datetime.date(2021, 1, 1))
    assert selectors.popular_items() == []


def test_popular_items_are_cached_for_a_while(org, item, django_assert_max_num_queries):
    make_case(org, item)
    selectors.popular_items()
    with django_assert_max_num_queries(1):  # the names only; the 90-day count comes from the cache
        assert [p.name for p in selectors.popular_items()] == ["社会保障卡申领"]


def test_popular_items_are_bounded(org):
    items = [make_item(org, f"事项{n}", code_seq=10 + n) for n in range(12)]
    for it in items:
        make_case(org, it)
    assert len(selectors.popular_items()) == selectors.POPULAR_LIMIT


def test_the_item_of_a_question_must_be_in_force(org, item):
    assert selectors.item_name(item.pk) == (item.pk, "社会保障卡申领")
    assert selectors.item_name(999999) is None and selectors.item_name("1") is None
    with time_machine.travel(datetime.datetime(2019, 6, 1, tzinfo=datetime.UTC)):
        assert selectors.item_name(item.pk) is None


def test_ask_institutions_are_active_in_tree_order(org):
    org.station3.is_active = False
    org.station3.save()
    names = [i.name for i in selectors.ask_institutions()]
    assert names[0] == "虎丘区政务服务中心" and "枫桥社区便民服务站" not in names


def test_the_host_is_kept_per_process_for_its_time(org, monkeypatch, django_assert_num_queries):
    now = [1000.0]
    monkeypatch.setattr(kept.time, "monotonic", lambda: now[0])
    host = selectors.host_contact()
    with django_assert_num_queries(0):
        assert selectors.host_contact() == host  # a footer costs no query
    org.county.__class__.objects.filter(pk=org.county.pk).update(name="虎丘区政务服务中心（新）")
    now[0] += selectors.HOST_CACHE_SECONDS - 1
    assert selectors.host_contact().name == "虎丘区政务服务中心"  # kept
    now[0] += 1
    assert selectors.host_contact().name == "虎丘区政务服务中心（新）"
