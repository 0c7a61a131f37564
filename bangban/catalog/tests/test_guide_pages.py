"""The 办事指南 end to end: drafts store whether their guide is complete (and published versions keep it
frozen), the editor names what is missing, the API reads and writes every element, the public guide
shows the place of the chosen institution and the downloads, the 一次性告知书 prints the elements."""

import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from pypdf import PdfReader

from bangban.catalog import elements, services
from bangban.catalog.models import FrozenVersionError, ItemVersion
from bangban.catalog.tests.conftest import item_data
from bangban.catalog.tests.test_pages import item_form, management

pytestmark = pytest.mark.django_db

GUIDE = {
    "procedure": "申请 → 受理 → 审查 → 决定",
    "consult_phone": "0512-12345",
    "complaint_phone": "0512-12345-9",
    "service_objects": ["enterprise", "unincorporated"],
    "visits": 1,
    "online_depth": "3",
    "delivery_methods": ["window", "mail"],
    "not_applicable": ["intermediary", "quantity_limit"],
    "fee_items": [{"name": "工本费", "amount": "10.00", "basis": "《收费标准》", "reduction": "低保户免收"}],
}


def guide_data(cat, **overrides):
    places = [
        {"institution": None, "address": "苏州高新区政务服务中心 5 号窗口", "hours": "工作日 9:00–17:00"},
        {
            "institution": cat.town,
            "address": "通安镇便民服务中心 2 号窗口",
            "hours": "周一至周六 9:00–12:00",
            "phone": "0512-6666",
        },
    ]
    return item_data(cat, **{**GUIDE, "places": places, **overrides})


def test_a_draft_stores_its_completeness_on_every_write_and_publishing_freezes_it(cat):
    admin = cat.user("catalog_admin")
    item = services.item_create(by=admin, data=item_data(cat))
    draft = item.versions.get()
    assert not draft.guide_complete
    assert "办理地点和时间" in elements.guide_missing(draft) and "监督投诉电话" in elements.guide_missing(
        draft
    )
    services.item_version_update(
        by=admin,
        version=draft,
        data={k: v for k, v in guide_data(cat).items() if k in GUIDE or k == "places"},
    )
    draft.refresh_from_db()
    assert draft.guide_complete and elements.guide_missing(draft) == []
    assert draft.charges_fee and draft.fee_amount == 10  # the fee items are the fee
    services.item_version_update(by=admin, version=draft, data={"complaint_phone": ""})
    draft.refresh_from_db()
    assert not draft.guide_complete
    services.item_version_update(by=admin, version=draft, data={"complaint_phone": "12345"})
    services.item_version_publish(by=None, version=draft, valid_from=datetime.date(2025, 1, 1))
    draft.refresh_from_db()
    assert draft.guide_complete and draft.is_published
    # frozen: neither the model nor the database lets the flag, a fee item or a place change
    draft.guide_complete = False
    with pytest.raises(FrozenVersionError):
        draft.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        ItemVersion.objects.filter(pk=draft.pk).update(guide_complete=False)
    with pytest.raises(DatabaseError), transaction.atomic():
        draft.fee_items.update(amount=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        draft.places.update(hours="全天")


def test_a_change_request_copies_fee_items_and_places_and_diffs_them(cat):
    admin = cat.user("catalog_admin")
    item = services.item_create(by=None, data=guide_data(cat))
    services.item_version_publish(by=None, version=item.versions.get(), valid_from=datetime.date(2025, 1, 1))
    adjustment = services.adjustment_create(
        by=admin,
        kind="change",
        trigger="other",
        justification="收费调整",
        effective_on=datetime.date.today() + datetime.timedelta(days=3),
        items=[item],
        proposed=[{"fee_items": [{"name": "工本费", "amount": "5.00", "basis": "《收费标准》"}]}],
    )
    draft = adjustment.proposed_versions.get()
    assert draft.places.count() == 2 and draft.guide_complete
    from bangban.catalog import selectors

    (block,) = selectors.adjustment_diff(adjustment)
    assert {r["field"] for r in block["rows"] if r["changed"]} == {"fee_amount", "fee_items"}


def test_the_editor_saves_the_guide_and_names_what_is_missing(cat, web):
    admin = web(cat.user("catalog_admin"))
    item = services.item_create(
        by=cat.user("catalog_admin"), data=item_data(cat, main_basic_code="", main_item_name="")
    )
    draft = item.versions.get()
    page = admin.get(f"/catalog/versions/{draft.pk}/edit/").content.decode()
    assert "办事指南尚不完整" in page and "监督投诉电话" in page and 'name="fees-TOTAL_FORMS"' in page
    form = item_form(
        cat,
        name="食品经营许可（新办）",
        basic_code="000105003001",
        main_basic_code="",
        main_item_name="",
        procedure="申请 → 受理 → 决定",
        consult_phone="0512-12345",
        complaint_phone="12345",
        service_objects=["enterprise"],
        visits="0",
        online_depth="4",
        delivery_methods=["e_license"],
        not_applicable=["conditions", "intermediary", "quantity_limit", "fees"],
        result_name="食品经营许可证",
        **management("legal", 1),
        **management("materials", 1),
        **management("fees", 1),
        **management("places", 1),
        **{"places-0-institution": "", "places-0-address": "中心 3 号窗口", "places-0-hours": "工作日"},
    )
    response = admin.post(f"/catalog/versions/{draft.pk}/edit/", form)
    assert response.status_code == 302, re.findall(r"error[^<]*<[^>]*>([^<]+)", response.content.decode())
    draft.refresh_from_db()
    assert draft.guide_complete and draft.visits == 0 and draft.places.get().address == "中心 3 号窗口"
    assert "办事指南完整" in admin.get(f"/catalog/versions/{draft.pk}/").content.decode()
    # bad input: a Chinese message naming the field, nothing saved
    bad = {**form, "visits": "99", **{"places-0-hours": ""}}
    response = admin.post(f"/catalog/versions/{draft.pk}/edit/", bad)
    assert response.status_code == 200 and "到现场次数" in response.content.decode()
    draft.refresh_from_db()
    assert draft.visits == 0 and draft.places.get().hours == "工作日"


def test_attachments_are_refused_by_content_and_size(cat, web, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.BANGBAN_CATALOG_ATTACHMENT_MAX_BYTES = 1024
    admin = web(cat.user("catalog_admin"))
    item = services.item_create(
        by=cat.user("catalog_admin"), data=item_data(cat, main_basic_code="", main_item_name="")
    )
    draft = item.versions.get()
    base = item_form(
        cat,
        name="食品经营许可（新办）",
        basic_code="000105003001",
        main_basic_code="",
        main_item_name="",
        **management("materials", 1),
    )
    for upload, words in (
        (SimpleUploadedFile("申请书.pdf", b"<html><script>alert(1)</script>"), "按文件内容识别"),
        (SimpleUploadedFile("申请书.pdf", b"%PDF-1.4" + b"x" * 2048), "超过 1 KB 的上限"),
    ):
        response = admin.post(
            f"/catalog/versions/{draft.pk}/edit/", {**base, "materials-0-blank_form": upload}
        )
        assert response.status_code == 200 and words in response.content.decode()
        assert not draft.materials.exclude(blank_form="").exists() and not any(tmp_path.rglob("*.*"))


def test_the_api_reads_and_writes_every_guide_element(cat, api):
    admin = api(cat.user("catalog_admin"))
    item = services.item_create(by=cat.user("catalog_admin"), data=item_data(cat))
    draft = item.versions.get()
    url = f"/api/v1/catalog/versions/{draft.pk}/"
    body = {**GUIDE, "places": [{"institution": None, "address": "中心 5 号窗口", "hours": "工作日"}]}
    response = admin.patch(url, body, format="json")
    assert response.status_code == 200, response.json()
    data = admin.get(url).json()
    assert data["guide_complete"] and data["guide_missing"] == []
    assert data["service_objects"] == ["enterprise", "unincorporated"] and data["visits"] == 1
    assert (
        data["fee_items"][0]["reduction"] == "低保户免收" and data["places"][0]["address"] == "中心 5 号窗口"
    )
    assert data["not_applicable"] == ["intermediary", "quantity_limit"]
    for bad, field in (
        ({"visits": 42}, "visits"),
        ({"online_depth": "9"}, "online_depth"),
        ({"not_applicable": ["materials"]}, "not_applicable"),
        ({"complaint_phone": "1" * 61}, "complaint_phone"),
        ({"fee_items": [{"name": "工本费", "amount": "-1", "basis": "x"}]}, "fee_items"),
        ({"places": [{"address": "x" * 301, "hours": "工作日"}]}, "places"),
        ({"places": [{"institution": 999999, "address": "x", "hours": "工作日"}]}, "places"),
    ):
        response = admin.patch(url, bad, format="json")
        assert response.status_code == 400 and any(
            e["field"].startswith(field) for e in response.json()["errors"]
        ), bad
    assert admin.get(url).json() == data  # nothing changed


def test_the_public_guide_shows_the_chosen_institutions_place_and_every_element(cat, client):
    item = services.item_create(by=None, data=guide_data(cat))
    services.item_version_publish(by=None, version=item.versions.get(), valid_from=datetime.date(2025, 1, 1))
    page = client.get(f"/items/{item.pk}/").content.decode()
    for text in (
        "企业法人",
        "1 次（最多跑一次）",
        "三级",
        "窗口领取、邮寄送达",
        "工本费",
        "低保户免收",
        "苏州高新区政务服务中心 5 号窗口",
        'href="tel:0512-12345-9"',
    ):
        assert text in page, text
    assert "中介服务</dt><dd>无" in page  # marked 不适用
    town = client.get(f"/items/{item.pk}/?at={cat.town.pk}").content.decode()
    assert "通安镇便民服务中心 2 号窗口" in town and "周一至周六 9:00–12:00" in town
    assert "5 号窗口" in client.get(f"/items/{item.pk}/?at=999999").content.decode()  # falls back
    assert client.get(f"/items/{item.pk}/?at=abc").status_code == 200
    pdf = PdfReader(io.BytesIO(client.get(f"/items/{item.pk}/notice.pdf").content))
    text = "".join(p.extract_text() for p in pdf.pages)
    for fragment in ("服务对象", "最多跑一次", "监督投诉电话", "工本费 10.00 元"):
        assert fragment in text, fragment


def test_the_place_institutions_offered_are_those_of_the_editors_scope(cat, web):
    """A county's 事项管理员 picks among the county's institutions; another county's is neither listed
    nor accepted (a Chinese error on the field, nothing saved). One the version already names stays."""
    admin = web(cat.user("catalog_admin"))
    item = services.item_create(
        by=cat.user("catalog_admin"), data=item_data(cat, main_basic_code="", main_item_name="")
    )
    draft = item.versions.get()
    page = admin.get(f"/catalog/versions/{draft.pk}/edit/").content.decode()
    options = re.findall(
        r'<option value="(\d+)"', page.split('name="places-0-institution"')[1].split("</select>")[0]
    )
    assert str(cat.town.pk) in options and str(cat.station3.pk) in options
    assert str(cat.other_county.pk) not in options
    form = item_form(
        cat,
        basic_code="000105003001",
        main_basic_code="",
        main_item_name="",
        **management("legal", 1),
        **management("materials", 1),
        **management("places", 1),
        **{
            "places-0-institution": str(cat.other_county.pk),
            "places-0-address": "吴中区中心",
            "places-0-hours": "工作日",
        },
    )
    response = admin.post(f"/catalog/versions/{draft.pk}/edit/", form)
    assert response.status_code == 200 and "服务机构" in response.content.decode()
    assert not draft.places.exists()
    # A place the version already names outside the scope (set by the platform) is kept on re-save.
    draft.places.create(institution=cat.other_county, address="吴中区中心", hours="工作日", position=0)
    page = admin.get(f"/catalog/versions/{draft.pk}/edit/").content.decode()
    assert f'<option value="{cat.other_county.pk}" selected' in page
    response = admin.post(f"/catalog/versions/{draft.pk}/edit/", {**form, **management("places", 1, 1)})
    assert response.status_code == 302
    assert draft.places.get().institution == cat.other_county
