"""indicator_set: the figures over the counters, scope, groupings, targets; the drill-down agrees."""

import datetime as dt
from decimal import Decimal

import pytest

from bangban.core.errors import AccessRefused, NotInScope, ServiceError
from bangban.supervision import selectors, services
from bangban.supervision.models import DailyFact

pytestmark = pytest.mark.django_db
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def figures(user, root=None, by=None, period=MARCH):
    return selectors.indicator_set(user=user, root_institution=root, start=period[0], end=period[1], by=by)


def nums(row, code):
    cell = row.cells[code]
    return cell.num, cell.den


def test_county_supervisor_sees_the_whole_subtree(org, figures_data):
    total = figures(org.user("supervisor")).total
    assert nums(total, "on_time") == (3, 4)  # 4 completed with a deadline, one 12 working days late
    assert nums(total, "resolution") == (4, 5)  # 4 completed of 5 closed (one terminated)
    assert nums(total, "response") == (6, 7)  # the online request was answered two working days later
    assert nums(total, "records") == (1, 5)  # one closed case has a service-log entry
    assert total.cells["on_time"].display == "75.0%" and total.cells["on_time"].below
    assert total.cells["satisfaction"].display == "—" and total.cells["satisfaction"].wired  # no review yet
    assert not total.cells["satisfaction"].below


def test_an_agent_sees_only_their_own_institution(org, figures_data):
    town = figures(org.user("town_agent")).total
    assert nums(town, "on_time") == (2, 3)  # the station's case is not the town centre's own
    station = figures(org.user("station_agent")).total
    assert nums(station, "on_time") == (1, 1)
    assert station.cells["on_time"].display == "100.0%" and not station.cells["on_time"].below
    with pytest.raises(NotInScope):
        figures(org.user("town_agent"), root=org.station)  # below them, but not their own
    with pytest.raises(NotInScope):
        figures(org.user("station_agent"), root=org.town)


def test_a_subtree_viewer_cannot_look_outside_or_above(org, figures_data):
    with pytest.raises(NotInScope):
        figures(org.user("town_admin"), root=org.county)
    with pytest.raises(NotInScope):
        figures(org.user("supervisor"), root=org.other_county)
    town_tree = figures(org.user("town_admin")).total
    assert nums(town_tree, "on_time") == (3, 4)  # town and its stations: every completed case is here


def test_roles_without_case_or_supervision_caps_are_refused(org):
    with pytest.raises(AccessRefused):
        figures(org.user("catalog_admin"))


def test_group_by_institution_tier_agent_item(org, figures_data, items):
    sup = org.user("supervisor")
    by_inst = {r.label: nums(r, "on_time") for r in figures(sup, by="institution").rows}
    assert by_inst[org.town.name] == (2, 3) and by_inst[org.station.name] == (1, 1)
    assert by_inst[org.county.name] == (0, 0)
    by_tier = {r.key: nums(r, "on_time") for r in figures(sup, by="tier").rows}
    assert by_tier == {1: (0, 0), 2: (2, 3), 3: (1, 1)}
    by_agent = {r.label: nums(r, "resolution") for r in figures(sup, by="agent").rows}
    assert by_agent[org.user("town_agent").display_name] == (3, 4)
    by_item = {r.key: nums(r, "on_time") for r in figures(sup, by="item").rows}
    assert by_item[items["license"].pk] == (3, 4)
    by_dept = {r.key: nums(r, "on_time") for r in figures(sup, by="department").rows}
    assert by_dept[org.department.pk] == (3, 4)


def test_period_bounds_are_inclusive_and_other_months_are_empty(org, figures_data):
    sup = org.user("supervisor")
    assert nums(figures(sup, period=(dt.date(2026, 3, 20), dt.date(2026, 3, 20))).total, "on_time") == (0, 1)
    assert nums(figures(sup, period=(dt.date(2026, 3, 4), dt.date(2026, 3, 4))).total, "on_time") == (3, 3)
    april = figures(sup, period=(dt.date(2026, 4, 1), dt.date(2026, 4, 30))).total
    assert april.cells["on_time"].display == "—"


def test_bad_period_and_grouping_are_refused(org):
    sup = org.user("supervisor")
    with pytest.raises(ServiceError):
        figures(sup, period=(dt.date(2026, 3, 2), dt.date(2026, 3, 1)))
    with pytest.raises(ServiceError):
        figures(sup, period=(dt.date(2020, 1, 1), dt.date(2026, 1, 1)))
    with pytest.raises(ServiceError):
        figures(sup, by="colour")


def test_targets_nearest_institution_wins_and_changes_are_audited(org, figures_data):
    from bangban.audit.models import AuditEvent

    sup = org.user("supervisor")
    services.target_set(by=sup, indicator="on_time", value="70")
    assert not figures(sup).total.cells["on_time"].below  # 75 % ≥ 70 %
    services.target_set(by=sup, indicator="on_time", value="80", institution=org.town)
    assert figures(sup, root=org.town).total.cells["on_time"].target == Decimal("80")
    assert figures(sup, root=org.station).total.cells["on_time"].target == Decimal("80")  # inherited
    assert figures(sup, root=org.town2).total.cells["on_time"].target == Decimal("70")
    services.target_set(
        by=sup, indicator="on_time", value="85", institution=org.town
    )  # updates, not a second row
    assert figures(sup, root=org.town).total.cells["on_time"].target == Decimal("85")
    assert AuditEvent.objects.filter(action="supervision.target.set").count() == 3


def _targets_reference(root):
    """The nearest-target rule read with the ORM: root, then its ancestors, then the default."""
    from bangban.supervision.indicators import INDICATOR_LIST
    from bangban.supervision.models import Target

    ancestors = [int(p) for p in root.path.strip("/").split("/") if p][::-1]  # nearest first
    out = {}
    for i in INDICATOR_LIST:
        rows = {t.institution_id: t.value for t in Target.objects.filter(indicator=i.code)}
        found = [rows[pk] for pk in ancestors if pk in rows]
        out[i.code] = found[0] if found else rows.get(None, i.default_target)
    return out


def test_targets_from_the_process_copy_equal_the_reference_and_follow_every_write(org):
    from bangban.supervision.models import Target

    sup = org.user("supervisor")
    institutions = [org.county, org.town, org.station, org.town2]
    for indicator, value, institution in (
        ("on_time", "70", None), ("on_time", "80", org.town), ("satisfaction", "90", org.station),
        ("records", "60", org.county), ("records", "65", org.town2),
    ):  # fmt: skip
        services.target_set(by=sup, indicator=indicator, value=value, institution=institution)
        for i in institutions:  # each write is seen at once (this process's own, through the signal)
            assert selectors.targets_for(i) == _targets_reference(i), (indicator, i)
    Target.objects.filter(indicator="records", institution=org.county).delete()
    assert selectors.targets_for(org.station) == _targets_reference(org.station)
    # A change without a signal (another process's) shows once the copy is read again.
    Target.objects.filter(indicator="on_time", institution__isnull=True).update(value=Decimal("75"))
    selectors.kept_targets.clear()
    assert (
        selectors.targets_for(org.county)["on_time"]
        == Decimal("75")
        == _targets_reference(org.county)["on_time"]
    )


@pytest.mark.parametrize("value", ["-1", "100.5", "abc", ""])
def test_bad_target_values_are_refused(org, value):
    with pytest.raises(ServiceError) as exc:
        services.target_set(by=org.user("supervisor"), indicator="on_time", value=value)
    assert exc.value.field == "value"


def test_only_supervision_issue_sets_targets_within_scope(org):
    with pytest.raises(AccessRefused):
        services.target_set(by=org.user("town_admin"), indicator="on_time", value="90")
    with pytest.raises(NotInScope):
        services.target_set(
            by=org.user("supervisor"), indicator="on_time", value="90", institution=org.other_county
        )
    with pytest.raises(ServiceError):
        services.target_set(by=org.user("supervisor"), indicator="nope", value="90")


@pytest.mark.parametrize("code", ["on_time", "response", "resolution", "records"])
@pytest.mark.parametrize("by", [None, "institution", "tier", "agent", "item", "department"])
def test_drill_counts_equal_the_figures(org, figures_data, code, by):
    sup = org.user("supervisor")
    fig = figures(sup, by=by)
    rows = fig.rows if by else [fig.total]
    for row in rows:
        cell = row.cells[code]
        for part, expected in (("num", cell.num), ("den", cell.den), ("missed", cell.missed)):
            drill = selectors.drill_records(
                user=sup, root_institution=None, indicator=code, part=part,
                start=MARCH[0], end=MARCH[1], by=by, key=row.key,
            )  # fmt: skip
            assert drill.count == expected == len(drill.rows), (code, by, row.label, part)


def test_drill_refuses_what_it_cannot_show(org):
    sup = org.user("supervisor")
    for indicator, part in (("disclosure", "num"), ("on_time", "all"), ("nope", "num")):
        with pytest.raises(ServiceError):
            selectors.drill_records(
                user=sup, root_institution=None, indicator=indicator, part=part, start=MARCH[0], end=MARCH[1]
            )


def _guided_item(org, name, code_seq, *, legal_basis=True):
    """A published item whose guide has every element (or lacks the legal basis), listed by the town:
    built as a draft (published versions are frozen, children included) and then published."""
    from bangban.catalog.elements import guide_missing
    from bangban.catalog.models import Item, ItemVersion, LegalBasis, ListingEntry, Material

    basic, credit = f"{code_seq:012d}", org.department.credit_code
    item = Item.objects.create(
        name=name, basic_code=basic, implementation_code=f"{credit}1{basic}", department=org.department,
        status=Item.Status.ACTIVE,
    )  # fmt: skip
    version = ItemVersion.objects.create(
        item=item, number=1, state=ItemVersion.State.DRAFT, valid_from=dt.date(2020, 1, 1), name=name,
        item_type="01", basic_code=basic, implementation_code=f"{credit}1{basic}", competent_department="区市场监督管理局",
        department=org.department, level="3", handling_tiers="123", help_tiers="123", agency_tiers="123",
        statutory_days=20, promised_days=5, conditions="年满十八周岁", procedure="申请—受理—审核—发证",
        location="一楼 3 号窗口", consult_phone="0512-12345678", complaint_phone="12345",
        service_objects=",person,", delivery_methods=",window,", visits=1, online_depth="3",
        result_name="许可证", not_applicable=",places,intermediary,quantity_limit,fees,",
    )  # fmt: skip
    Material.objects.create(version=version, name="身份证")
    if legal_basis:
        LegalBasis.objects.create(version=version, rank=1, title="《食品经营许可和备案管理办法》")
    # The catalog's services store the rule's answer when they write a draft; done by hand here.
    complete = not guide_missing(version)
    ItemVersion.objects.filter(pk=version.pk).update(
        state=ItemVersion.State.PUBLISHED, guide_complete=complete
    )
    ListingEntry.objects.create(institution=org.town, item=item, offers_help=True)
    return item


def test_disclosure_is_a_live_snapshot_of_the_catalog(org, items):
    sup = org.user("supervisor")
    total = figures(sup).total
    listed = total.cells["disclosure"].den
    assert listed > 0 and total.cells["disclosure"].num == 0  # the test items have no guide text
    _guided_item(org, "食品经营许可", 8, legal_basis=False)
    _guided_item(org, "药品零售许可", 9)
    after = figures(sup).total.cells["disclosure"]
    assert (after.num, after.den) == (1, listed + 2)
    by_inst = {r.key: r.cells["disclosure"] for r in figures(sup, by="institution").rows}
    assert (by_inst[org.town.pk].num, by_inst[org.station.pk].num) == (1, 0)
    by_item = {r.label: r.cells["disclosure"].display for r in figures(sup, by="item").rows}
    assert by_item["药品零售许可"] == "100.0%" and by_item["食品经营许可"] == "0.0%"
    assert DailyFact.objects.filter(metric__startswith="catalog").count() == 0  # not counted: computed live


def test_trend_by_month_from_months_and_end_days(org, figures_data):
    sup = org.user("supervisor")
    trend = selectors.indicator_trend(
        user=sup, root_institution=None, start=dt.date(2026, 1, 1), end=dt.date(2026, 4, 30)
    )
    assert [m for m, _ in trend] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert [nums_of(cells, "on_time") for _, cells in trend] == [(0, 0), (0, 0), (3, 4), (0, 0)]
    part = selectors.indicator_trend(
        user=sup, root_institution=None, start=dt.date(2026, 2, 15), end=dt.date(2026, 3, 4)
    )
    assert [nums_of(cells, "on_time") for _, cells in part] == [(0, 0), (3, 3)]


def nums_of(cells, code):
    return cells[code].num, cells[code].den


@pytest.mark.parametrize(
    "start,end",
    [
        ((3, 1), (3, 31)), ((3, 2), (3, 31)), ((2, 20), (4, 3)), ((3, 4), (3, 4)), ((1, 1), (12, 31)),
        ((1, 1), (3, 31)), ((1, 1), (6, 30)), ((2, 1), (9, 30)), ((3, 2), (12, 31)),
        ((2025, 10, 1), (2027, 3, 31)), ((2025, 12, 15), (2026, 3, 2)), ((2024, 3, 3), (2026, 12, 31)),
    ],
)  # fmt: skip
def test_rollup_and_daily_counters_give_the_same_figures(org, figures_data, start, end):
    """Every grain the rollup reads (days, months, quarters, years) against the daily detail."""
    sup = org.user("supervisor")
    period = tuple(dt.date(*d) if len(d) == 3 else dt.date(2026, *d) for d in (start, end))
    from django.db.models import Sum

    from bangban.supervision.indicators import INDICATORS

    daily = DailyFact.objects.filter(day__gte=period[0], day__lte=period[1])
    for by, column in (("institution", "institution_id"), ("agent", "agent_id"), ("item", "item_id")):
        fig = figures(sup, by=by, period=period)  # the rollup's months and end days
        for code in ("on_time", "response", "resolution", "records"):
            metric = INDICATORS[code].denominator
            detail = dict(daily.filter(metric=metric).values_list(column).annotate(s=Sum("n")).order_by())
            assert {r.key: r.cells[code].den for r in fig.rows if r.cells[code].den} == detail, (by, code)
            assert fig.total.cells[code].den == sum(detail.values())


def test_tier_rows_folded_from_institutions_equal_the_tier_grouping(org, figures_data):
    sup = org.user("supervisor")
    folded = selectors.tier_rows(figures(sup, by="institution"))
    direct = figures(sup, by="tier").rows
    assert [(r.key, r.label) for r in folded] == [(r.key, r.label) for r in direct]
    for a, b in zip(folded, direct, strict=True):
        assert {c: (x.num, x.den) for c, x in a.cells.items()} == {
            c: (x.num, x.den) for c, x in b.cells.items()
        }
