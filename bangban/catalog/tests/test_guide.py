"""The 办事指南 completeness rule (elements.guide_missing), the guide elements' cleaning, and how an
attachment's kind is told from its content. Pure: no database."""

import io
import zipfile
from decimal import Decimal
from types import SimpleNamespace

import pytest

from bangban.catalog import codes, elements
from bangban.catalog.attachments import sniff

KEYS = [key for key, _label in elements.GUIDE_ELEMENTS]


def complete(**overrides) -> SimpleNamespace:
    facts = {
        "service_objects": ",person,",
        "conditions": "年满 16 周岁",
        "materials": ["身份证"],
        "procedure": "申请 → 受理 → 办结",
        "places": ["中心 3 号窗口"],
        "visits": 1,
        "online_depth": "3",
        "intermediary": "无",
        "quantity_limit": "每人一次",
        "fee_items": ["工本费"],
        "charges_fee": False,
        "fee_amount": None,
        "result_name": "社会保障卡",
        "delivery_methods": ",window,",
        "legal_bases": ["《社会保险法》"],
        "consult_phone": "0512-12345",
        "complaint_phone": "12345",
        "not_applicable": "",
    }
    facts.update(overrides)
    return SimpleNamespace(**facts)


EMPTY = {
    "service_objects": "",
    "conditions": "  ",
    "materials": [],
    "procedure": "",
    "places": [],
    "visits": None,
    "online_depth": "",
    "intermediary": "",
    "quantity_limit": "",
    "fee_items": [],
    "result_name": "",
    "delivery_methods": "",
    "legal_bases": [],
    "consult_phone": "",
    "complaint_phone": "",
}


def test_every_element_filled_is_complete():
    assert elements.guide_missing(complete()) == []


def test_nothing_filled_misses_every_element_in_reading_order():
    assert elements.guide_missing(complete(**EMPTY)) == [label for _k, label in elements.GUIDE_ELEMENTS]


@pytest.mark.parametrize("key", KEYS)
def test_each_element_alone_missing_is_named(key):
    field = "fee_items" if key == "fees" else key
    assert elements.guide_missing(complete(**{field: EMPTY[field]})) == [elements.GUIDE_LABELS[key]]


@pytest.mark.parametrize("key", KEYS)
def test_not_applicable_counts_only_where_allowed(key):
    field = "fee_items" if key == "fees" else key
    version = complete(**{field: EMPTY[field], "not_applicable": f",{key},"})
    expected = [] if key in elements.NA_ALLOWED else [elements.GUIDE_LABELS[key]]
    assert elements.guide_missing(version) == expected


def test_zero_visits_is_an_answer_not_a_gap():
    assert elements.guide_missing(complete(visits=0)) == []


def test_an_unknown_online_depth_is_a_gap():
    assert elements.guide_missing(complete(online_depth="5")) == ["网办深度"]


def test_the_single_legacy_fee_counts_as_filled():
    legacy = complete(fee_items=[], charges_fee=True, fee_amount=Decimal("12.50"))
    assert elements.guide_missing(legacy) == []
    assert elements.guide_missing(complete(fee_items=[], charges_fee=True, fee_amount=None)) == ["收费项目"]


def test_children_may_be_related_managers():
    class Manager:
        def __init__(self, rows):
            self.rows = rows

        def all(self):
            return self.rows

    version = complete(materials=Manager(["x"]), places=Manager([]), not_applicable=",places,")
    assert elements.guide_missing(version) == []


# ---- cleaning the guide elements ----------------------------------------------------------------


def clean_guide(**raw):
    v, problems = {"charges_fee": raw.pop("charges_fee", False)}, []
    elements._clean_guide(raw, v, problems)
    return v, problems


def test_multi_valued_elements_take_codes_or_labels():
    v, problems = clean_guide(service_objects="自然人、企业法人", delivery_methods=["mail", "电子证照"])
    assert problems == []
    assert v["service_objects"] == ",person,enterprise," and v["delivery_methods"] == ",mail,e_license,"


@pytest.mark.parametrize(
    ("raw", "field", "words"),
    [
        ({"service_objects": "外星人"}, "service_objects", "服务对象"),
        ({"delivery_methods": "飞鸽"}, "delivery_methods", "结果送达方式"),
        ({"visits": codes.MAX_VISITS + 1}, "visits", "到现场次数"),
        ({"visits": "两次"}, "visits", "到现场次数"),
        ({"online_depth": "5"}, "online_depth", "网办深度"),
        ({"not_applicable": ["materials"]}, "not_applicable", "materials"),
        ({"fee_items": [{"name": "", "amount": "1", "basis": "x"}]}, "fee_items[0].name", "收费项目第 1 项"),
        ({"fee_items": [{"name": "a", "amount": "0", "basis": "x"}]}, "fee_items[0].amount", "大于 0"),
        ({"fee_items": [{"name": "a", "amount": "1.234", "basis": "x"}]}, "fee_items[0].amount", "两位小数"),
        ({"fee_items": [{"name": "a", "amount": "1", "basis": "x" * 301}]}, "fee_items[0].basis", "300"),
        ({"places": [{"address": "", "hours": "工作日"}]}, "places[0].address", "办理地点第 1 项"),
        ({"places": [{"address": "a", "hours": ""}]}, "places[0].hours", "办理时间"),
        (
            {"places": [{"address": "a", "hours": "b"}, {"address": "c", "hours": "d"}]},
            "places[1].institution",
            "只能填写一处",
        ),
        (
            {"fee_items": [{"name": "a", "amount": "1", "basis": "x"}], "not_applicable": ["fees"]},
            "not_applicable",
            "不能标为不适用",
        ),
        ({"charges_fee": True, "not_applicable": "收费项目"}, "not_applicable", "不收费"),
    ],
)
def test_bad_guide_input_is_named_in_chinese(raw, field, words):
    _v, problems = clean_guide(**raw)
    assert any(p[0] == field and words in p[2] for p in problems), problems


def test_fee_items_make_the_item_charging_with_their_sum_and_bases():
    v, problems = clean_guide(
        fee_items=[
            {"name": "工本费", "amount": "10", "basis": "《甲》"},
            {"name": "检测费", "amount": "2.5", "basis": "《甲》", "reduction": "低保户免收"},
        ]
    )
    assert problems == []
    assert v["charges_fee"] and v["fee_amount"] == Decimal("12.50") and v["fee_basis"] == "《甲》"
    assert v["fee_items"][1] == {
        "name": "检测费",
        "amount": Decimal("2.50"),
        "basis": "《甲》",
        "reduction": "低保户免收",
    }


def test_children_left_out_are_none_so_the_stored_ones_are_kept():
    v, _ = clean_guide()
    assert v["fee_items"] is None and v["places"] is None
    values, fees, places = elements.split_children({"name": "x", "fee_items": [], "places": None})
    assert values == {"name": "x"} and fees == [] and places is None


def test_visits_label_in_citizen_words():
    assert [codes.visits_label(n) for n in (None, 0, 1, 3)] == [
        "",
        "0 次（零跑动）",
        "1 次（最多跑一次）",
        "3 次",
    ]


# ---- attachments by content ---------------------------------------------------------------------


def _zip(*names) -> tuple[bytes, list[str]]:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for n in names:
            # A fixed time: the bytes are in the test ids, and xdist workers collecting a second
            # apart must build the same ids ("Different tests were collected").
            z.writestr(zipfile.ZipInfo(n, date_time=(2026, 1, 1, 0, 0, 0)), "x")
    return out.getvalue()[:16], list(names)


@pytest.mark.parametrize(
    ("head", "names", "ext"),
    [
        (b"%PDF-1.7\n", None, ".pdf"),
        (b"\x89PNG\r\n\x1a\n....", None, ".png"),
        (b"\xff\xd8\xff\xe0", None, ".jpg"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", None, ".doc"),
        (*_zip("[Content_Types].xml", "word/document.xml"), ".docx"),
        (*_zip("[Content_Types].xml", "xl/workbook.xml"), ".xlsx"),
        (*_zip("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"), None),  # macros
        (*_zip("word/document.xml"), None),  # a zip, not an Office file
        (b"PK\x03\x04", None, None),  # unreadable zip
        (b"<html><script>", None, None),
        (b"MZ\x90\x00", None, None),  # a Windows program named .pdf
        (b"", None, None),
    ],
)
def test_kind_is_told_by_content(head, names, ext):
    assert sniff(head, names) == ext


def test_free_text_elements_are_bounded():
    _v, _l, _m, problems = elements.clean({"conditions": "条" * 4001, "procedure": "流" * 4000})
    assert ("conditions", "too_long", "申请条件不能超过 4000 个字符") in problems
    assert not any(p[0] == "procedure" for p in problems)
