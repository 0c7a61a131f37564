"""No back door through the import: a workbook imported by a 事项管理员 becomes drafts in one submitted
批量导入 request; nothing is published until another 事项管理员 approves it (services, page, API), the
approval publishes the whole batch with an audit row per version, a return publishes nothing and a
withdrawal discards the drafts. Only the platform (by=None) publishes an import directly."""

import datetime
import io

import pytest
import time_machine

from bangban.audit.models import AuditEvent
from bangban.catalog import selectors, services
from bangban.catalog.models import Adjustment, ImportJob, Item, ItemVersion, LegalBasis, Material
from bangban.catalog.tests.conftest import CREDIT
from bangban.catalog.tests.test_exchange import book, children, row
from bangban.core.errors import ServiceError

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 2)
BASICS = ["000105003001", "000105003002", "000105003003"]


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0), tick=False):
        yield


def workbook(cat) -> bytes:
    """Three items: the first in force from 2026-01-01, the others without a 生效日期."""
    rows = [
        row(cat, basic, name=f"食品经营许可（第{i}类）", valid_from="2026-01-01" if i == 0 else "")
        for i, basic in enumerate(BASICS)
    ]
    materials, legal = [], []
    for r in rows:
        m, lb = children(r["implementation_code"], 2)
        materials += m
        legal += lb
    return book(rows, materials, legal)


def nothing_published():
    assert not ItemVersion.objects.filter(state=ItemVersion.State.PUBLISHED).exists()
    assert not Item.objects.exclude(status=Item.Status.DRAFT).exists()
    assert not selectors.item_search(q="食品经营许可", on=TODAY).exists()
    assert not AuditEvent.objects.filter(action="catalog.version.publish").exists()


def all_published(approver):
    versions = ItemVersion.objects.order_by("pk")
    assert versions.count() == 3 and {v.state for v in versions} == {"published"}
    assert {v.number for v in versions} == {1} and {v.published_by for v in versions} == {approver}
    # the row's own date, else the approval day
    assert [v.valid_from for v in versions] == [datetime.date(2026, 1, 1), TODAY, TODAY]
    assert set(Item.objects.values_list("status", flat=True)) == {"active"}
    assert selectors.item_search(q="食品经营许可", on=TODAY).count() == 3
    publish = AuditEvent.objects.filter(action="catalog.version.publish")
    assert sorted(int(e.object_id) for e in publish) == [v.pk for v in versions]
    assert {e.actor for e in publish} == {approver}


def test_the_importer_cannot_publish_alone_another_admin_approves_the_batch(cat):
    a, b = cat.user("catalog_admin"), cat.user("catalog_admin2")
    result = services.catalog_import_xlsx(by=a, data=workbook(cat), filename="catalog.xlsx")
    batch = result.adjustment
    assert (batch.kind, batch.status, batch.created_by, batch.submitted_by) == ("import", "submitted", a, a)
    assert sorted(batch.proposed_versions.values_list("pk", flat=True)) == list(
        ItemVersion.objects.order_by("pk").values_list("pk", flat=True)
    )
    nothing_published()
    assert selectors.adjustment_contributor_ids(batch) == {a.pk}
    assert selectors.pending_review_count(a) == 0 and selectors.pending_review_count(b) == 1

    for decide in (
        lambda: services.adjustment_approve(by=a, adjustment=batch),
        lambda: services.adjustment_return(by=a, adjustment=batch, note="自己退回"),
    ):
        with pytest.raises(ServiceError) as exc:
            decide()
        assert exc.value.code == "same_person"
    nothing_published()

    services.adjustment_approve(by=b, adjustment=batch, note="已核对")
    all_published(b)
    approved = Adjustment.objects.get(pk=batch.pk)
    assert approved.status == "approved" and approved.reviewed_by == b
    assert AuditEvent.objects.filter(action="catalog.adjustment.approve", object_id=str(batch.pk)).exists()


def test_a_returned_batch_stays_unpublished_and_a_withdrawn_one_is_discarded(cat):
    a, b = cat.user("catalog_admin"), cat.user("catalog_admin2")
    batch = services.catalog_import_xlsx(by=a, data=workbook(cat), filename="catalog.xlsx").adjustment
    # the same workbook again, while the first awaits review: reported as pending, nothing twice
    again = services.catalog_import_xlsx(by=a, data=workbook(cat), filename="catalog.xlsx")
    assert again.created == 0 and again.adjustment is None and Adjustment.objects.count() == 1
    assert {r["adjustment"] for r in again.rows} == {batch.pk}
    assert all(f"待审核的{batch}" in r["message"] for r in again.rows)
    services.adjustment_return(by=b, adjustment=batch, note="第二个事项的承诺时限有误")
    nothing_published()

    # the importer corrects one draft and resubmits; an incomplete edit is caught on submission
    draft = batch.proposed_versions.order_by("pk")[1]
    services.item_version_update(by=a, version=draft, data={"promised_days": 3, "materials": []})
    with pytest.raises(ServiceError):
        services.adjustment_submit(by=a, adjustment=batch)
    services.item_version_update(
        by=a,
        version=draft,
        data={
            "materials": [
                {"name": "申请书", "kind": "original", "copies": 1, "required": True, "source": "applicant"}
            ]
        },
    )
    services.adjustment_submit(by=a, adjustment=batch)
    nothing_published()
    services.adjustment_return(by=b, adjustment=batch, note="整批重新导入")

    services.adjustment_withdraw(by=a, adjustment=batch)
    assert Adjustment.objects.get(pk=batch.pk).status == "withdrawn"
    assert not Item.objects.exists() and not ItemVersion.objects.exists()
    assert not Material.objects.exists() and not LegalBasis.objects.exists()
    assert AuditEvent.objects.filter(action="catalog.version.publish").count() == 0
    # the codes are free again: the corrected workbook imports
    again = services.catalog_import_xlsx(by=a, data=workbook(cat), filename="catalog-2.xlsx")
    assert again.created == 3 and again.adjustment.pk != batch.pk


def test_only_the_platform_publishes_an_import_directly(cat):
    result = services.catalog_import_xlsx(by=None, data=workbook(cat), filename="demo.xlsx")
    assert result.adjustment is None and not Adjustment.objects.exists()
    assert ItemVersion.objects.filter(state="published").count() == 3


def test_a_batch_import_request_cannot_be_raised_by_hand(cat, api):
    with pytest.raises(ServiceError) as exc:
        services.adjustment_create(
            by=cat.user("catalog_admin"),
            kind="import",
            trigger="other",
            justification="手工批量导入",
            effective_on=TODAY,
        )
    assert exc.value.field == "kind"
    response = api(cat.user("catalog_admin")).post(
        "/api/v1/catalog/adjustments/",
        {"kind": "import", "trigger": "other", "justification": "x", "effective_on": "2026-03-02"},
        format="json",
    )
    assert response.status_code == 400 and not Adjustment.objects.exists()


def test_pages_send_the_import_for_review_and_offer_approval_only_to_another_admin(
    cat, web, django_capture_on_commit_callbacks
):
    a, b = cat.user("catalog_admin"), cat.user("catalog_admin2")
    importer = web(a)
    upload = io.BytesIO(workbook(cat))
    upload.name = "catalog.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        importer.post("/catalog/imports/", {"file": upload})
    job = ImportJob.objects.get()
    batch = job.adjustment
    page = importer.get(f"/catalog/imports/{job.pk}/").content.decode()
    assert "尚未发布" in page and "另一位事项管理员批准" in page
    assert f'href="/catalog/adjustments/{batch.pk}/"' in page
    assert f'href="/catalog/adjustments/{batch.pk}/"' in importer.get("/catalog/imports/").content.decode()
    nothing_published()

    url = f"/catalog/adjustments/{batch.pk}/"
    own = importer.get(url).content.decode()
    assert 'value="approve"' not in own and "须由另一位事项管理员审核" in own
    assert "批量导入 3 个新事项" in own and f"{CREDIT}4{BASICS[2]}" in own and "批准后施行" in own
    importer.post(f"{url}review/", {"decision": "approve", "note": "自己批准"})
    assert Adjustment.objects.get(pk=batch.pk).status == "submitted"
    nothing_published()

    reviewer = web(b)
    assert 'value="approve"' in reviewer.get(url).content.decode()
    reviewer.post(f"{url}review/", {"decision": "approve", "note": "同意"})
    assert Adjustment.objects.get(pk=batch.pk).status == "approved"
    all_published(b)


def test_api_import_awaits_review_and_the_importer_cannot_approve(
    cat, api, django_capture_on_commit_callbacks
):
    a, b = cat.user("catalog_admin"), cat.user("catalog_admin2")
    upload = io.BytesIO(workbook(cat))
    upload.name = "catalog.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = api(a).post("/api/v1/catalog/imports/", {"file": upload}, format="multipart")
    job = api(a).get(f"/api/v1/catalog/imports/{response.json()['id']}/").json()
    assert job["status"] == "done" and job["adjustment_status"] == "submitted"
    assert "尚未发布" in job["message"]
    pk = job["adjustment"]
    detail = api(b).get(f"/api/v1/catalog/adjustments/{pk}/").json()
    assert detail["kind"] == "import" and detail["kind_display"] == "批量导入"
    assert detail["contributors"] == [a.pk] and len(detail["diff"]) == 3
    assert detail["batch"]["items"] == 3 and detail["batch"]["materials"] == 6
    rows = api(b).get(detail["batch"]["rows"]).json()
    assert rows["count"] == 3 and rows["results"][0]["materials"] == 2
    assert {r["state"] for r in rows["results"]} == {"draft"}
    nothing_published()

    own = api(a).post(f"/api/v1/catalog/adjustments/{pk}/approve/", {}, format="json")
    assert own.status_code == 400 and own.json()["code"] == "same_person"
    nothing_published()
    approved = api(b).post(f"/api/v1/catalog/adjustments/{pk}/approve/", {"note": "同意"}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    all_published(b)
