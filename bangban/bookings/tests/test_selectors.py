import datetime

import pytest

from bangban.bookings import selectors, services
from bangban.bookings.tests.conftest import TOMORROW, ask, make_slot

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "code,expected",
    [
        ("320505101201", "station"),  # 树山村 → its station
        ("320505101001", "station2"),
        ("320505101", "town"),  # the town itself → its centre
        ("320505003001", "station3"),
        ("320505", "county"),
    ],
)
def test_institution_for_a_place(org, code, expected):
    assert selectors.institution_for_division(code) == getattr(org, expected)


def test_institution_for_a_place_without_station_falls_back_up_the_tree(org):
    org.station.is_active = False
    org.station.save(update_fields=["is_active"])
    assert selectors.institution_for_division("320505101201") == org.town


@pytest.mark.parametrize("code", ["", "999999", "x" * 40])
def test_unknown_place_gives_none(org, code):
    assert selectors.institution_for_division(code) is None


def test_open_slots_leave_out_full_past_today_and_far_days(org):
    free = make_slot(org.town)
    make_slot(org.town, hour=10, capacity=1, booked=1)  # full
    make_slot(org.town, date=datetime.date(2026, 12, 1))  # today
    make_slot(org.town, date=TOMORROW + datetime.timedelta(days=selectors.SLOT_DAYS + 1))
    make_slot(org.town2)  # another institution
    assert list(selectors.open_slots(org.town)) == [free]


def test_booking_labels_for_a_page_of_cases(org, item, django_assert_num_queries):
    case = ask(org, item, slot=make_slot(org.town, hour=9))
    with django_assert_num_queries(1):
        labels = selectors.booking_labels([case.pk, case.pk + 1000])
    assert labels == {case.pk: "预约 12月2日 9:00"}
    assert selectors.booking_labels([]) == {}


def test_offered_items_follow_kind_and_query(org, item):
    from bangban.cases.tests.conftest import make_item

    make_item(org, "个体工商户登记", agency_tiers="1", code_seq=7)
    help_names = [v.name for v in selectors.offered_for(org.town, kind="help")]
    agency_names = [v.name for v in selectors.offered_for(org.town, kind="agency")]
    assert set(help_names) == {"社会保障卡申领", "个体工商户登记"}
    assert agency_names == ["社会保障卡申领"]
    # The knowledge base's search: colloquial words and synonyms find the item (its words are known
    # to the base through an article, as in the demo data).
    from bangban.knowledge.tests.factories import published

    published(org, "社保卡怎么办", "带上居民身份证到便民服务中心办理社会保障卡。")
    assert [v.name for v in selectors.offered_for(org.town, kind="help", q="办社保卡")] == ["社会保障卡申领"]
    assert [v.name for v in selectors.offered_for(org.town, kind="help", q="护照")] == []
    assert [v.name for v in selectors.offered_for(org.town, kind="agency", q="个体户登记")] == []
    assert [v.name for v in selectors.offered_for(org.town, kind="help", q="社会保障")] == ["社会保障卡申领"]


def test_templates_in_scope(org):
    services.slot_template_save(
        by=org.user("county_admin"),
        institution=org.town2,
        weekday=1,
        start=datetime.time(9),
        end=datetime.time(10),
        capacity=2,
    )
    assert selectors.templates_for(org.user("county_admin")).count() == 1
    assert selectors.templates_for(org.user("town_admin")).count() == 0
    assert selectors.templates_for(org.user("other_admin")).count() == 0
