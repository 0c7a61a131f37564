"""Catalog services: drafts, publishing, reviewed adjustments taking effect on their date, lineage, 清单, 一件事."""

import datetime

import pytest
import time_machine
from django.db import DatabaseError, transaction

from bangban.audit.models import AuditEvent
from bangban.catalog import selectors, services
from bangban.catalog.models import Adjustment, FrozenVersionError, Item, ItemVersion, ListingEntry
from bangban.catalog.tests.conftest import CREDIT, item_data
from bangban.core.errors import AccessRefused, NotInScope, ServiceError
from bangban.org.services import department_create

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2026, 3, 2)
APRIL = D(2026, 4, 1)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0), tick=False):
        yield


def change(cat, item, *, effective=APRIL, proposed=None, by="catalog_admin", kind="change"):
    return services.adjustment_create(
        by=cat.user(by),
        kind=kind,
        trigger="law_amended",
        justification="《食品经营许可和备案管理办法》修订",
        effective_on=effective,
        items=[item] if item else [],
        proposed=proposed if proposed is not None else [{"promised_days": 3}],
    )


def test_create_gives_a_draft_with_an_assembled_implementation_code(cat):
    item = services.item_create(by=cat.user("catalog_admin"), data=item_data(cat))
    version = item.versions.get()
    assert item.status == Item.Status.DRAFT and version.state == ItemVersion.State.DRAFT
    assert version.implementation_code == f"{CREDIT}4000105003001" == item.implementation_code
    # legal bases are kept highest rank first whatever order they were given in
    assert [e.rank for e in version.legal_bases.all()] == [1, 4]
    assert [m.name for m in version.materials.all()][0] == "食品经营许可申请书"
    assert version.materials.get(name="法定代表人授权委托书").condition == "委托他人办理的"
    assert selectors.item_version_in_force(item=item, on=TODAY) is None  # drafts are never in force
    assert AuditEvent.objects.filter(action="catalog.item.create", object_id=str(item.pk)).exists()


def test_bad_elements_are_refused_with_every_problem(cat):
    data = item_data(
        cat, promised_days=15, statutory_days=10, basic_code="12345", channels=[], item_type="20"
    )
    with pytest.raises(ServiceError) as exc:
        services.item_create(by=cat.user("catalog_admin"), data=data)
    fields = {e["field"] for e in exc.value.errors}
    assert {"promised_days", "basic_code", "channels", "public_domain"} <= fields
    assert any("不得超过法定时限" in e["message"] for e in exc.value.errors)
    assert not Item.objects.exists()


def test_a_given_implementation_code_must_match_its_parts(cat):
    with pytest.raises(ServiceError) as exc:
        services.item_create(
            by=cat.user("catalog_admin"), data=item_data(cat, implementation_code=f"{CREDIT}5000105003001")
        )
    assert exc.value.field == "implementation_code" and "行使层级" in exc.value.message
    bad_check = "91350100M000100Y44" + "4000105003001"
    with pytest.raises(ServiceError, match="校验位"):
        services.item_create(by=cat.user("catalog_admin"), data=item_data(cat, implementation_code=bad_check))


def test_department_without_valid_credit_code_cannot_implement(cat):
    dept = department_create(by=None, institution=cat.county, name="区档案馆")
    with pytest.raises(ServiceError) as exc:
        services.item_create(by=cat.user("catalog_admin"), data=item_data(cat, department=dept))
    assert exc.value.field == "department" and "统一社会信用代码" in exc.value.message


def test_implementation_codes_are_unique(cat, published):
    published()
    with pytest.raises(ServiceError) as exc:
        services.item_create(by=cat.user("catalog_admin"), data=item_data(cat, name="重复"))
    assert exc.value.code == "duplicate_code"


def test_only_catalog_admins_write(cat):
    for key in ("town_agent", "county_admin", "supervisor"):
        with pytest.raises(AccessRefused):
            services.item_create(by=cat.user(key), data=item_data(cat))


def test_publish_freezes_the_version(cat):
    item = services.item_create(by=cat.user("catalog_admin"), data=item_data(cat, materials=[]))
    version = item.versions.get()
    with pytest.raises(ServiceError) as exc:
        services.item_version_publish(by=None, version=version)
    assert exc.value.field == "materials"
    services.item_version_update(
        by=cat.user("catalog_admin"), version=version, data={"materials": item_data(cat)["materials"]}
    )
    services.item_version_publish(by=None, version=version, valid_from=D(2026, 1, 1))
    version.refresh_from_db()
    item.refresh_from_db()
    assert version.number == 1 and version.valid_from == D(2026, 1, 1) and item.status == Item.Status.ACTIVE
    assert selectors.item_version_in_force(item=item, on=TODAY) == version
    assert selectors.item_version_in_force(item=item, on=D(2025, 12, 31)) is None
    # no edit in place: the service, the model, its children and the database all refuse
    with pytest.raises(ServiceError, match="请发起事项调整"):
        services.item_version_update(by=cat.user("catalog_admin"), version=version, data={"name": "改名"})
    version.name = "改名"
    with pytest.raises(FrozenVersionError):
        version.save()
    with pytest.raises(FrozenVersionError):
        version.delete()
    material = version.materials.first()
    material.copies = 5
    with pytest.raises(FrozenVersionError):
        material.save()
    with pytest.raises(DatabaseError, match="frozen"), transaction.atomic():
        ItemVersion.objects.filter(pk=version.pk).update(name="改名")
    with pytest.raises(DatabaseError, match="frozen"), transaction.atomic():
        type(material).objects.filter(pk=material.pk).update(copies=5)
    ItemVersion.objects.filter(pk=version.pk).update(valid_to=D(2027, 1, 1))  # closing stays possible
    assert ItemVersion.objects.get(pk=version.pk).name == "食品经营许可（新办）"
    # a second publication of the same item must be an adjustment
    with pytest.raises(ServiceError, match="已发布"):
        services.item_version_publish(by=None, version=version)


def test_change_approved_by_another_takes_effect_on_its_date_and_old_stays_readable(cat, published):
    item = published()
    old = selectors.item_version_in_force(item=item, on=TODAY)
    adjustment = change(cat, item)
    draft = adjustment.proposed_versions.get()
    assert draft.based_on == old and draft.promised_days == 3 and draft.state == "draft"
    assert [m.name for m in draft.materials.all()] == [m.name for m in old.materials.all()]
    services.adjustment_submit(by=cat.user("catalog_admin"), adjustment=adjustment)
    # the submitter cannot review their own request
    with pytest.raises(ServiceError) as exc:
        services.adjustment_approve(by=cat.user("catalog_admin"), adjustment=adjustment)
    assert exc.value.code == "same_person"
    # nor can someone without the review capability
    with pytest.raises(AccessRefused):
        services.adjustment_approve(by=cat.user("county_admin"), adjustment=adjustment)
    services.adjustment_approve(by=cat.user("catalog_admin2"), adjustment=adjustment, note="同意")
    old.refresh_from_db()
    draft.refresh_from_db()
    assert old.valid_to == D(2026, 3, 31) and draft.valid_from == D(2026, 4, 1) and draft.number == 2
    assert selectors.item_version_in_force(item=item, on=TODAY) == old
    assert selectors.item_version_in_force(item=item, on=D(2026, 3, 31)).promised_days == 5
    assert selectors.item_version_in_force(item=item, on=D(2026, 4, 1)).promised_days == 3
    with time_machine.travel(D(2026, 4, 2)):
        assert selectors.item_version_in_force(item=item, on=datetime.date.today()) == draft
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "catalog.adjustment.create",
        "catalog.adjustment.submit",
        "catalog.adjustment.approve",
        "catalog.version.close",
        "catalog.version.publish",
    } <= actions
    approve = AuditEvent.objects.get(action="catalog.adjustment.approve")
    assert approve.actor == cat.user("catalog_admin2") and approve.changes["status"]["after"] == "approved"


def test_return_edit_and_resubmit(cat, published):
    item = published()
    adjustment = change(cat, item)
    services.adjustment_submit(by=cat.user("catalog_admin"), adjustment=adjustment)
    with pytest.raises(ServiceError) as exc:
        services.adjustment_return(by=cat.user("catalog_admin2"), adjustment=adjustment, note="")
    assert exc.value.field == "note"
    draft = adjustment.proposed_versions.get()
    with pytest.raises(ServiceError, match="不能修改"):
        services.item_version_update(by=cat.user("catalog_admin"), version=draft, data={"promised_days": 4})
    services.adjustment_return(
        by=cat.user("catalog_admin2"), adjustment=adjustment, note="承诺时限请与上级清单一致"
    )
    services.item_version_update(by=cat.user("catalog_admin"), version=draft, data={"promised_days": 4})
    services.adjustment_update(
        by=cat.user("catalog_admin"),
        adjustment=adjustment,
        trigger="upper_list",
        justification="上级清单调整",
        effective_on=D(2026, 5, 1),
    )
    services.adjustment_submit(by=cat.user("catalog_admin"), adjustment=adjustment)
    services.adjustment_approve(by=cat.user("catalog_admin2"), adjustment=adjustment)
    assert selectors.item_version_in_force(item=item, on=D(2026, 5, 1)).promised_days == 4
    assert selectors.item_version_in_force(item=item, on=D(2026, 4, 30)).promised_days == 5


def test_adjustment_rules(cat, published):
    item = published()
    with pytest.raises(ServiceError, match="不能早于今天"):
        change(cat, item, effective=D(2026, 3, 1))
    with pytest.raises(ServiceError) as exc:
        change(cat, item, proposed=[{"promised_days": 20}])
    assert exc.value.field == "promised_days" and not Adjustment.objects.exists()
    adjustment = change(cat, item)
    with pytest.raises(ServiceError, match="未办结"):
        change(cat, item)
    services.adjustment_submit(by=cat.user("catalog_admin"), adjustment=adjustment)
    # reviewed after its date has passed: refused, to be returned and re-dated
    with time_machine.travel(D(2026, 4, 2)), pytest.raises(ServiceError, match="已过"):
        services.adjustment_approve(by=cat.user("catalog_admin2"), adjustment=adjustment)
    other = published(basic_code="000105003002", name="食品经营许可（变更）")
    withdrawn = change(cat, other)
    with pytest.raises(ServiceError, match="申请人本人"):
        services.adjustment_withdraw(by=cat.user("catalog_admin2"), adjustment=withdrawn)
    withdrawn = services.adjustment_withdraw(by=cat.user("catalog_admin"), adjustment=withdrawn)
    assert not withdrawn.proposed_versions.exists()
    assert withdrawn.status == Adjustment.Status.WITHDRAWN


def test_new_item_through_review(cat):
    adjustment = change(
        cat,
        None,
        kind="new",
        proposed=[item_data(cat, basic_code="000105009000", main_basic_code="", main_item_name="")],
    )
    version = adjustment.proposed_versions.get()
    assert version.item.status == Item.Status.DRAFT
    with pytest.raises(ServiceError, match="须经审核"):
        services.item_version_publish(by=None, version=version)
    services.adjustment_submit(by=cat.user("catalog_admin"), adjustment=adjustment)
    services.adjustment_approve(by=cat.user("catalog_admin2"), adjustment=adjustment)
    version.refresh_from_db()
    assert version.item.status == Item.Status.ACTIVE and version.valid_from == D(2026, 4, 1)
    assert selectors.item_version_in_force(item=version.item, on=TODAY) is None


def test_split_and_merge_keep_lineage(cat, published):
    source = published(basic_code="000105003000", main_basic_code="", main_item_name="", name="食品经营许可")
    split = change(
        cat,
        source,
        kind="split",
        proposed=[
            {
                "name": "食品经营许可（新办）",
                "basic_code": "000105003001",
                "main_basic_code": "000105003000",
                "main_item_name": "食品经营许可",
            },
            {
                "name": "食品经营许可（变更）",
                "basic_code": "000105003002",
                "main_basic_code": "000105003000",
                "main_item_name": "食品经营许可",
            },
        ],
    )
    services.adjustment_submit(by=cat.user("catalog_admin"), adjustment=split)
    services.adjustment_approve(by=cat.user("catalog_admin2"), adjustment=split)
    source.refresh_from_db()
    parts = list(source.successors.order_by("basic_code"))
    assert [p.name for p in parts] == ["食品经营许可（新办）", "食品经营许可（变更）"]
    assert source.status == Item.Status.ENDED and source.ended_on == D(2026, 4, 1)
    assert selectors.item_version_in_force(item=source, on=D(2026, 3, 31)) is not None
    assert selectors.item_version_in_force(item=source, on=D(2026, 4, 1)) is None
    assert all(selectors.item_version_in_force(item=p, on=D(2026, 4, 1)) for p in parts)
    assert [lnk.kind for lnk in source.successor_links.all()] == ["split", "split"]

    with time_machine.travel(D(2026, 4, 10)):
        merge = services.adjustment_create(
            by=cat.user("catalog_admin2"),
            kind="merge",
            trigger="reform",
            justification="新办与变更合并办理",
            effective_on=D(2026, 5, 1),
            items=parts,
            proposed=[{"name": "食品经营许可（新办、变更）", "basic_code": "000105003010"}],
        )
        merged_draft = merge.proposed_versions.get()
        # materials and legal bases default to the union of the sources'
        assert merged_draft.materials.count() == 3 and merged_draft.legal_bases.count() == 2
        services.adjustment_submit(by=cat.user("catalog_admin2"), adjustment=merge)
        services.adjustment_approve(by=cat.user("catalog_admin"), adjustment=merge)
    merged = merged_draft.item
    assert set(merged.predecessors.all()) == set(parts)
    assert {lnk.kind for lnk in merged.predecessor_links.all()} == {"merge"}
    assert all(Item.objects.get(pk=p.pk).status == Item.Status.ENDED for p in parts)
    assert selectors.item_version_in_force(item=merged, on=D(2026, 5, 1)).name == "食品经营许可（新办、变更）"


def test_split_needs_new_codes(cat, published):
    source = published()
    with pytest.raises(ServiceError, match="基本编码"):
        change(cat, source, kind="split", proposed=[{"name": "甲"}, {"name": "乙"}])
    with pytest.raises(ServiceError) as exc:  # a successor may not reuse the source's code
        change(
            cat,
            source,
            kind="split",
            proposed=[
                {"name": "甲", "basic_code": "000105003001"},
                {"name": "乙", "basic_code": "000105003009"},
            ],
        )
    assert exc.value.code == "duplicate_code"


def test_suspend_resume_and_cancel(cat, published):
    item = published()
    suspend = change(cat, item, kind="suspend", proposed=[])
    services.adjustment_submit(by=cat.user("catalog_admin"), adjustment=suspend)
    services.adjustment_approve(by=cat.user("catalog_admin2"), adjustment=suspend)
    assert selectors.item_version_in_force(item=item, on=D(2026, 4, 1)).is_suspended
    assert not selectors.item_version_in_force(item=item, on=D(2026, 3, 31)).is_suspended
    services.listing_set(
        by=cat.user("catalog_admin"), institution=cat.county, item=item, offers_help=True, offers_agency=False
    )
    assert list(selectors.offered_items(institution=cat.county, on=D(2026, 3, 31))) != []
    assert (
        list(selectors.offered_items(institution=cat.county, on=D(2026, 4, 1))) == []
    )  # suspended: no new cases
    with pytest.raises(ServiceError, match="已暂停"):
        change(cat, item, kind="suspend", proposed=[], effective=D(2026, 4, 2))
    resume = change(cat, item, kind="resume", proposed=[], effective=D(2026, 4, 15))
    services.adjustment_submit(by=cat.user("catalog_admin"), adjustment=resume)
    services.adjustment_approve(by=cat.user("catalog_admin2"), adjustment=resume)
    assert not selectors.item_version_in_force(item=item, on=D(2026, 4, 15)).is_suspended
    cancel = change(cat, item, kind="cancel", proposed=[], effective=D(2026, 6, 1))
    services.adjustment_submit(by=cat.user("catalog_admin"), adjustment=cancel)
    services.adjustment_approve(by=cat.user("catalog_admin2"), adjustment=cancel)
    item.refresh_from_db()
    assert item.status == Item.Status.ENDED and item.ended_on == D(2026, 6, 1)
    assert selectors.item_version_in_force(item=item, on=D(2026, 5, 31)) is not None
    assert selectors.item_version_in_force(item=item, on=D(2026, 6, 1)) is None
    assert [v.number for v in item.versions.order_by("number")] == [1, 2, 3]


def test_a_stale_adjustment_is_refused(cat, published):
    item = published()
    first = change(cat, item)
    services.adjustment_submit(by=cat.user("catalog_admin"), adjustment=first)
    services.adjustment_approve(by=cat.user("catalog_admin2"), adjustment=first)
    # a second one may follow once the first is approved; it must start after the latest version
    with pytest.raises(ServiceError) as exc:
        second = change(cat, item, effective=D(2026, 3, 20))
        services.adjustment_submit(by=cat.user("catalog_admin"), adjustment=second)
    assert exc.value.code == "effective_too_early"


def test_name_consistency_report(cat, published):
    published()
    other_dept = department_create(
        by=None, institution=cat.town, name="镇市场监管分局", credit_code="91110000600037341L"
    )
    published(department=other_dept, level="5", name="食品经营许可(新办)")
    report = selectors.name_inconsistencies(on=TODAY)
    assert [r["basic_code"] for r in report] == ["000105003001"]
    assert {n["name"] for n in report[0]["names"]} == {"食品经营许可（新办）", "食品经营许可(新办)"}
    version = selectors.item_version_in_force(item=Item.objects.get(department=other_dept), on=TODAY)
    assert selectors.same_code_names(version=version, on=TODAY) == ["食品经营许可（新办）"]


def test_listing_rules_and_offered_items(cat, published):
    item = published(help_tiers="123", agency_tiers="1")
    admin = cat.user("catalog_admin")
    # 代办 is not allowed at town tier for this item (事项下沉)
    with pytest.raises(ServiceError) as exc:
        services.listing_set(by=admin, institution=cat.town, item=item, offers_help=True, offers_agency=True)
    assert exc.value.code == "not_allowed_at_tier" and "代办" in exc.value.message
    services.listing_set(by=admin, institution=cat.town, item=item, offers_help=True, offers_agency=False)
    services.listing_set(by=admin, institution=cat.county, item=item, offers_help=True, offers_agency=True)
    # a town 中心管理员 edits their own town and its stations, not the county or another town
    services.listing_set(
        by=cat.user("town_admin"), institution=cat.station, item=item, offers_help=True, offers_agency=False
    )
    with pytest.raises(NotInScope):
        services.listing_set(
            by=cat.user("town_admin"), institution=cat.town2, item=item, offers_help=True, offers_agency=False
        )
    with pytest.raises(AccessRefused):
        services.listing_set(
            by=cat.user("town_agent"), institution=cat.town, item=item, offers_help=True, offers_agency=False
        )
    version = selectors.item_version_in_force(item=item, on=TODAY)
    assert version.allows("help", 3) and not version.allows("agency", 2)
    with pytest.raises(ValueError):
        version.allows("guide", 1)
    assert list(selectors.offered_items(institution=cat.town, on=TODAY, mode="help")) == [version]
    assert list(selectors.offered_items(institution=cat.town, on=TODAY, mode="agency")) == []
    assert list(selectors.offered_items(institution=cat.county, on=TODAY, mode="agency")) == [version]
    assert list(selectors.offered_items(institution=cat.town2, on=TODAY)) == []
    assert list(selectors.offered_items(institution=cat.town, on=D(2024, 12, 31))) == []  # before it existed
    # removing: both modes off
    services.listing_set(by=admin, institution=cat.town, item=item, offers_help=False, offers_agency=False)
    assert not ListingEntry.objects.filter(institution=cat.town).exists()
    assert set(
        AuditEvent.objects.filter(action__startswith="catalog.listing").values_list("action", flat=True)
    ) == {
        "catalog.listing.set",
        "catalog.listing.remove",
    }


def test_bundles(cat, published):
    a = published()
    b = published(name="公共场所卫生许可", basic_code="000110004000", main_basic_code="", main_item_name="")
    with pytest.raises(ServiceError, match="至少包含两个"):
        services.bundle_create(
            by=cat.user("catalog_admin"), name="我要开餐馆", audience="enterprise", items=[a]
        )
    bundle = services.bundle_create(
        by=cat.user("catalog_admin"), name="我要开餐馆", audience="enterprise", items=[b, a]
    )
    assert [e.item for e in bundle.entries.all()] == [b, a]
    rows = selectors.bundle_versions(bundle, TODAY)
    assert [v.name for _e, v in rows] == ["公共场所卫生许可", "食品经营许可（新办）"]
    services.bundle_update(
        by=cat.user("catalog_admin2"), bundle=bundle, name="我要开餐馆", audience="enterprise", items=[a, b]
    )
    assert [e.item for e in bundle.entries.all()] == [a, b]
    assert AuditEvent.objects.filter(action="catalog.bundle.update").exists()


def test_search(cat, published):
    published()
    published(
        name="城乡居民基本养老保险参保登记",
        item_type="20",
        public_domain="social_insurance",
        basic_code="000620001000",
        main_basic_code="",
        main_item_name="",
        tags=["insurance"],
        statutory_days=None,
        promised_days=0,
        is_immediate=True,
    )
    names = lambda qs: [v.name for v in qs]  # noqa: E731
    assert names(selectors.item_search(q="养老", on=TODAY)) == ["城乡居民基本养老保险参保登记"]
    assert names(selectors.item_search(q="000105", on=TODAY)) == ["食品经营许可（新办）"]
    assert names(selectors.item_search(q=f"{CREDIT}4000620001000", on=TODAY)) == [
        "城乡居民基本养老保险参保登记"
    ]
    assert names(selectors.item_search(q="市场监督", on=TODAY)) == [
        "食品经营许可（新办）",
        "城乡居民基本养老保险参保登记",
    ]
    assert names(selectors.item_search(tag="准营准办", on=TODAY)) == ["食品经营许可（新办）"]
    assert names(selectors.item_search(audience="citizen", on=TODAY)) == ["城乡居民基本养老保险参保登记"]
    assert names(selectors.item_search(item_type="20", on=TODAY)) == ["城乡居民基本养老保险参保登记"]
    assert names(selectors.item_search(department=cat.department.pk, on=D(2024, 1, 1))) == []


def test_a_new_items_first_publication_is_reviewed_by_another(cat):
    author, colleague = cat.user("catalog_admin"), cat.user("catalog_admin2")
    item = services.item_create(by=author, data=item_data(cat))
    draft = item.versions.get()
    # one 事项管理员 alone cannot publish: the direct route is closed to people
    with pytest.raises(ServiceError) as exc:
        services.item_version_publish(by=author, version=draft, valid_from=TODAY)
    assert exc.value.code == "needs_review" and "另一位事项管理员审核" in exc.value.message
    with pytest.raises(ServiceError, match="不能早于今天"):
        services.item_version_submit(by=author, version=draft, effective_on=D(2026, 3, 1))
    adjustment = services.item_version_submit(by=author, version=draft, effective_on=TODAY)
    assert (adjustment.kind, adjustment.status) == (Adjustment.Kind.NEW, Adjustment.Status.SUBMITTED)
    assert list(adjustment.proposed_versions.all()) == [draft]
    with pytest.raises(ServiceError, match="当前不能修改"):
        services.item_version_update(by=author, version=draft, data={"promised_days": 4})
    with pytest.raises(ServiceError) as exc:
        services.adjustment_approve(by=author, adjustment=adjustment)
    assert exc.value.code == "same_person"
    assert selectors.item_version_in_force(item=item, on=TODAY) is None
    services.adjustment_approve(by=colleague, adjustment=adjustment, note="同意")
    draft.refresh_from_db()
    item.refresh_from_db()
    assert (draft.state, draft.number, draft.valid_from, item.status) == ("published", 1, TODAY, "active")
    assert selectors.item_version_in_force(item=item, on=TODAY) == draft


def test_whoever_edited_a_new_draft_cannot_approve_its_publication(cat):
    author, colleague = cat.user("catalog_admin"), cat.user("catalog_admin2")
    item = services.item_create(by=author, data=item_data(cat))
    draft = item.versions.get()
    services.item_version_update(by=colleague, version=draft, data={"promised_days": 4})
    adjustment = services.item_version_submit(by=author, version=draft, effective_on=TODAY)
    for who in (author, colleague):
        with pytest.raises(ServiceError, match="不能审核"):
            services.adjustment_approve(by=who, adjustment=adjustment)


def test_withdrawing_a_publication_request_gives_the_draft_back(cat):
    author = cat.user("catalog_admin")
    item = services.item_create(by=author, data=item_data(cat))
    draft = item.versions.get()
    adjustment = services.item_version_submit(by=author, version=draft, effective_on=APRIL)
    services.adjustment_withdraw(by=author, adjustment=adjustment)
    draft.refresh_from_db()
    assert draft.adjustment_id is None and selectors.open_draft(item) == draft
    services.item_version_update(by=author, version=draft, data={"promised_days": 4})
    again = services.item_version_submit(by=author, version=draft, effective_on=APRIL)
    assert again.status == Adjustment.Status.SUBMITTED
