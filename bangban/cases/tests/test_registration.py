"""Registration at the window (issue 9): the returning applicant within scope, the picker's and the
checklist's answers, ticked materials into the register and form A, the steps posted without
JavaScript, and Chinese errors for bad input."""

import io
import json

import pytest
from pypdf import PdfReader

from bangban.audit.models import AuditEvent
from bangban.cases import documents, selectors, services
from bangban.cases.models import Case, Material
from bangban.cases.tests.conftest import make_item
from bangban.catalog.models import Bundle, BundleItem, ItemVersion
from bangban.catalog.models import Material as CatalogMaterial
from bangban.core.errors import ServiceError

pytestmark = pytest.mark.django_db

ID = "11010519491231002X"
PHONE = "13812345678"
CREDIT = "91350100M000100Y43"


def person(**extra):
    return {
        "applicant_type": "person",
        "applicant_name": "张三",
        "id_number": ID,
        "phone": PHONE,
    } | extra


@pytest.fixture
def listing(org):
    items = {
        "gt": make_item(org, "个体工商户设立登记", promised=3, code_seq=1),
        "cjr": make_item(org, "残疾人证补办", promised=0, immediate=True, code_seq=2),
    }
    add_materials(
        items["gt"],
        [
            ("申请人身份证", "both", "applicant"),
            ("经营场所证明", "copy", "applicant"),
            ("营业执照信息", "electronic", "shared"),
        ],
    )
    return items


def add_materials(item, materials):
    # A published version's materials are frozen with it: written together, as an import does.
    version = ItemVersion.objects.get(item=item)
    CatalogMaterial.objects.bulk_create(
        CatalogMaterial(version=version, position=n, name=name, kind=kind, source=source)
        for n, (name, kind, source) in enumerate(materials)
    )


def material(name):
    return CatalogMaterial.objects.get(name=name)


def register(org, listing, user="town_agent", **extra):
    fields = {"kind": "help", "mode": "assist", "items": [listing["gt"]], "accept_now": True}
    return services.case_register(by=org.user(user), **fields | person() | extra)


# --- returning applicant -------------------------------------------------------------------------


def test_found_by_id_phone_or_credit_code_newest_first(org, listing):
    first = register(org, listing)
    second = register(org, listing, phone="13900001111")
    firm = register(
        org,
        listing,
        applicant_type="enterprise",
        applicant_name="某公司",
        credit_code=CREDIT,
        contact_name="李四",
    )
    agent = org.user("town_agent")
    assert selectors.applicant_cases(user=agent, id_number=ID.lower()) == [second, first]
    assert selectors.applicant_cases(user=agent, phone=" 138 1234 5678 ") == [firm, first]
    assert selectors.applicant_cases(user=agent, credit_code=CREDIT.lower()) == [firm]
    # Not an identifier: no lookup at all (a name prefix or a partial number finds nothing).
    assert selectors.applicant_cases(user=agent, id_number="110105") == []
    assert selectors.applicant_cases(user=agent, id_number="11010519491231002Y") == []
    assert selectors.applicant_cases(user=agent, phone="138") == []


def test_no_case_outside_scope_leaks_and_the_answer_is_the_same_as_unknown(org, listing, web):
    register(org, listing, user="station_agent")  # 树山村 station, under 通安镇
    town2 = org.user("town2_agent")  # 枫桥: another branch of the tree
    assert selectors.applicant_cases(user=town2, id_number=ID) == []
    assert len(selectors.applicant_cases(user=org.user("town_agent"), id_number=ID)) == 1  # parent sees it
    client = web(town2)
    known = client.post("/cases/new/applicant/", {"id_number": ID}).json()
    unknown = client.post("/cases/new/applicant/", {"id_number": "110101199003070011"}).json()
    assert known == unknown == {"card": {}, "error": "", "panel": "\n", "found": 0}
    assert "张三" not in json.dumps(known, ensure_ascii=False)


def test_lookup_is_post_only_and_for_handlers(org, listing, web):
    assert web(org.user("town_agent")).get("/cases/new/applicant/", {"id_number": ID}).status_code == 405
    refused = web(org.user("supervisor")).post("/cases/new/applicant/", {"id_number": ID})
    assert refused.status_code == 403


def test_panel_lists_cases_and_prefill_reveals_through_the_audited_services(org, listing, web):
    case = register(org, listing)
    client = web(org.user("town_agent"))
    answer = client.post("/cases/new/applicant/", {"phone": PHONE}).json()
    assert answer["found"] == 1 and case.number in answer["panel"] and "带入申请人信息" in answer["panel"]
    assert ID not in answer["panel"] and PHONE not in answer["panel"]
    before = AuditEvent.objects.filter(action__startswith="cases.case.reveal").count()
    filled = client.post(f"/cases/new/applicant/{case.pk}/").json()
    assert filled == {
        "applicant_type": "person",
        "applicant_name": "张三",
        "credit_code": "",
        "contact_name": "",
        "phone": PHONE,
        "id_number": ID,
    }
    assert AuditEvent.objects.filter(action__startswith="cases.case.reveal").count() == before + 2
    # Out of scope: the same 404 as a case that does not exist, and nothing revealed.
    outsider = web(org.user("town2_agent"))
    assert outsider.post(f"/cases/new/applicant/{case.pk}/").status_code == 404
    assert outsider.post("/cases/new/applicant/99999999/").status_code == 404
    assert AuditEvent.objects.filter(action__startswith="cases.case.reveal").count() == before + 2


# --- the card reader through the page ----------------------------------------------------------------


def test_card_line_is_parsed_and_looked_up(org, listing, web):
    register(org, listing)
    client = web(org.user("town_agent"))
    answer = client.post("/cases/new/applicant/", {"card": f"张三\t男\t汉\t19491231\t某地\t{ID}"}).json()
    assert answer["card"] == {"name": "张三", "id_number": ID} and answer["found"] == 1
    bad = client.post("/cases/new/applicant/", {"card": "张三|男"}).json()
    assert bad["card"] == {} and "没有 18 位身份证号" in bad["error"]


# --- picker and checklist ---------------------------------------------------------------------------


def test_pick_view_answers_the_listing_with_frequent_items_first(
    org, listing, web, django_capture_on_commit_callbacks
):
    client = web(org.user("town_agent"))
    data = client.get("/cases/new/pick/", {"q": "gtgsh", "kind": "help"}).json()
    assert [(i["name"], i["limit"], i["immediate"], i["frequent"]) for i in data["items"]] == [
        ("个体工商户设立登记", "3 个工作日", False, False)
    ]
    with django_capture_on_commit_callbacks(execute=True):  # the agent's cached counts are dropped
        register(org, listing, items=[listing["cjr"]])
    data = client.get("/cases/new/pick/", {"q": ""}).json()
    assert [(i["name"], i["limit"], i["frequent"]) for i in data["items"]] == [("残疾人证补办", "即办", True)]
    # A user without an institution (the platform's administrators) gets an empty list, not an error.
    assert client.get("/cases/new/pick/", {"q": "x" * 10000}).status_code == 200


def test_bundle_names_become_chips(org, listing, web):
    bundle = Bundle.objects.create(name="开办一件事", audience="enterprise")
    BundleItem.objects.create(bundle=bundle, item=listing["gt"], position=0)
    BundleItem.objects.create(bundle=bundle, item=listing["cjr"], position=1)
    client = web(org.user("town_agent"))
    data = client.get("/cases/new/pick/", {"q": "kbyjs"}).json()
    assert data["bundles"] == [
        {"id": bundle.pk, "name": "开办一件事", "items": [listing["gt"].pk, listing["cjr"].pk], "missing": 0}
    ]
    names = client.get("/cases/new/pick/names/", {"items": [listing["cjr"].pk, listing["gt"].pk, "x"]}).json()
    assert [i["name"] for i in names["items"]] == ["残疾人证补办", "个体工商户设立登记"]


def test_checklist_lists_what_the_applicant_hands_in(org, listing, web):
    html = (
        web(org.user("town_agent"))
        .get(
            "/cases/new/checklist/",
            {"items": [listing["gt"].pk, listing["cjr"].pk], "received": [material("经营场所证明").pk]},
        )
        .content.decode()
    )
    assert "申请人身份证（原件和复印件 1 份）" in html and "营业执照信息" not in html  # shared: 免提交
    assert f'value="{material("经营场所证明").pk}" checked' in html
    assert "该事项无需申请人提交材料" in html


# --- ticked materials into the register and form A ----------------------------------------------------


def test_ticked_materials_are_registered_audited_and_on_form_a(org, listing):
    case = register(org, listing, received=[material("申请人身份证").pk, material("经营场所证明").pk])
    rows = list(case.materials.values_list("name", "form", "copies"))
    assert rows == [
        ("申请人身份证", Material.Form.ORIGINAL, 1),
        ("申请人身份证", Material.Form.COPY, 1),
        ("经营场所证明", Material.Form.COPY, 1),
    ]
    assert AuditEvent.objects.filter(action="cases.material.receive", object_id=str(case.pk)).count() == 3
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(documents.render(case, "A"))).pages)
    assert "经营场所证明" in text and "申请人身份证" in text


@pytest.mark.parametrize(
    "received, message",
    [
        (["shared"], "经数据共享获取，申请人无需提交"),
        (["other"], "不属于所选事项"),
        ([10**12], "不属于所选事项"),
        (list(range(1, 200)), "最多勾选 100 项"),
    ],
)
def test_a_material_not_of_the_items_refuses_the_whole_registration(org, listing, received, message):
    other = make_item(org, "其他事项", code_seq=9)
    add_materials(other, [("别的材料", "original", "applicant")])
    ids = [
        material("营业执照信息").pk if r == "shared" else material("别的材料").pk if r == "other" else r
        for r in received
    ]
    with pytest.raises(ServiceError, match=message) as error:
        register(org, listing, received=ids)
    assert error.value.field == "received"
    assert not Case.objects.exists() and not Material.objects.exists()


# --- the page, with and without JavaScript ---------------------------------------------------------


def form_data(listing, **extra):
    return {
        "applicant_type": "person",
        "applicant_name": "张三",
        "id_number": ID,
        "phone": PHONE,
        "kind": "help",
        "mode": "assist",
        "items": [listing["gt"].pk, listing["cjr"].pk],
        "channel": "window",
        "accept_now": "on",
    } | extra


def test_register_with_materials_then_form_a_opens(org, listing, web):
    client = web(org.user("town_agent"))
    response = client.post("/cases/new/", form_data(listing, received=[material("经营场所证明").pk]))
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/?print=A"
    assert [i.name for i in case.items.all()] == ["个体工商户设立登记", "残疾人证补办"]
    assert list(case.materials.values_list("name", flat=True)) == ["经营场所证明"]
    page = client.get(response["Location"]).content.decode()
    assert f'href="/cases/{case.pk}/forms/A.pdf"' in page and "data-auto-open" in page
    assert "data-auto-open" not in client.get(f"/cases/{case.pk}/").content.decode()


def test_bad_input_gets_chinese_errors_naming_the_field(org, listing, web):
    client = web(org.user("town_agent"))
    cases = [
        ({"items": []}, "「办理事项」：请至少选择一个事项"),
        ({"items": ["abc"]}, "「办理事项」：选项无效，请重新选择"),
        ({"items": [str(i) for i in range(1, 30)]}, "「办理事项」：最多选择 20 项"),
        ({"items": [99999999]}, "办理事项"),
        ({"received": ["1e9"]}, "「收取材料」：选项无效，请重新选择"),
        ({"id_number": "110105194912310021"}, "校验位错误"),
        ({"phone": "12"}, "联系电话应为 11 位手机号码"),
        ({"applicant_name": "名" * 101}, "申请人姓名 / 企业名称"),
    ]
    for extra, message in cases:
        response = client.post("/cases/new/", form_data(listing, **extra))
        html = response.content.decode()
        assert response.status_code == 200 and 'id="error-summary"' in html, extra
        assert message in html, (extra, message)
    assert not Case.objects.exists()


def test_without_javascript_each_step_posts_back(org, listing, web):
    client = web(org.user("town_agent"))
    data = form_data(listing, items=[], applicant_name="", id_number="", phone="")
    # 读卡: name and ID number filled in, nothing registered, no error shown yet.
    html = client.post("/cases/new/", data | {"card": f"张三|男|汉|19491231|某地|{ID}"}).content.decode()
    assert 'value="张三"' in html and f'value="{ID}"' in html and "error-summary" not in html
    html = client.post("/cases/new/", data | {"card": "乱码"}).content.decode()
    assert "没有 18 位身份证号" in html
    # 查找: the search's results as checkboxes, chosen items kept and their materials listed.
    html = client.post(
        "/cases/new/", data | {"item_q": "cjrzb", "items": [listing["gt"].pk]}
    ).content.decode()
    assert f'name="items" value="{listing["cjr"].pk}"> 残疾人证补办（即办）' in html
    assert f'value="{listing["gt"].pk}" id="chosen-{listing["gt"].pk}" checked' in html
    assert "经营场所证明" in html
    # 带入 from an earlier case (revealed through the audited services).
    case = register(org, listing)
    html = client.get("/cases/new/", {"prefill": str(case.pk)}).content.decode()
    assert f'value="{PHONE}"' in html and f'value="{ID}"' in html
    assert Case.objects.count() == 1
    assert web(org.user("town2_agent")).get("/cases/new/", {"prefill": str(case.pk)}).status_code == 404
    assert client.get("/cases/new/", {"prefill": "x" * 30}).status_code == 200


def test_only_the_register_button_registers_over_a_pending_step(org, listing, web):
    client = web(org.user("town_agent"))
    # 查找 (the form's first button: also Enter in any field without JavaScript) never registers.
    html = client.post("/cases/new/", form_data(listing, find="1")).content.decode()
    assert not Case.objects.exists() and "收取材料" in html and "error-summary" not in html
    # 登记 registers even with a search or a card line left in their boxes.
    response = client.post("/cases/new/", form_data(listing, register="1", item_q="gtgsh", card="x"))
    assert response.status_code == 302 and Case.objects.count() == 1


def test_open_cases_first_and_details_from_the_newest_handled(org, listing, web):
    older = register(org, listing)
    newer = register(org, listing)
    newer = services.case_terminate(case=newer, by=org.user("town_agent"), reason="申请人撤回")
    agent = org.user("town_agent")
    assert selectors.applicant_cases(user=agent, id_number=ID) == [older, newer]
    assert selectors.applicant_cases(user=agent, id_number=ID, limit=1) == [older]
    panel = web(agent).post("/cases/new/applicant/", {"id_number": ID}).json()["panel"]
    assert panel.count("带入申请人信息") == 1 and f"/cases/new/applicant/{newer.pk}/" in panel


def test_a_bundle_ticked_without_javascript_registers_its_items(org, listing, web):
    bundle = Bundle.objects.create(name="开办一件事", audience="enterprise")
    BundleItem.objects.create(bundle=bundle, item=listing["cjr"], position=0)
    BundleItem.objects.create(bundle=bundle, item=listing["gt"], position=1)
    client = web(org.user("town_agent"))
    html = client.post("/cases/new/", form_data(listing, items=[], item_q="kbyjs")).content.decode()
    assert f'name="bundles" value="{bundle.pk}"> 一件事：开办一件事（2 项）' in html
    response = client.post("/cases/new/", form_data(listing, items=[], bundles=[bundle.pk], register="1"))
    assert response.status_code == 302
    assert sorted(i.name for i in Case.objects.get().items.all()) == ["个体工商户设立登记", "残疾人证补办"]
