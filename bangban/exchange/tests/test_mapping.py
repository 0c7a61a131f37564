"""The mapping table: the docs are generated from it, and `validate` enforces it."""

from pathlib import Path

import pytest

from bangban.exchange import mapping
from bangban.exchange.records import SOURCES

DOCS = Path(__file__).resolve().parents[3] / "docs" / "exchange.md"


def test_the_docs_table_is_the_mapping_module():
    text = DOCS.read_text(encoding="utf-8")
    start, end = text.index(mapping.DOCS_BEGIN), text.index(mapping.DOCS_END) + len(mapping.DOCS_END)
    assert text[start:end] == mapping.render_docs(), "run: bangban export_39046 --docs docs/exchange.md"


def test_every_kind_of_the_standard_is_mapped_with_unique_keys():
    assert [k.name for k in mapping.KINDS] == [
        "事项",
        "办事申请",
        "受理",
        "办理环节",
        "办结",
        "绩效评价",
        "投诉",
    ]
    assert list(SOURCES) == list(mapping.BY_CODE)
    for kind in mapping.KINDS:
        assert len(set(kind.keys)) == len(kind.keys), kind.code
        assert all(i.type in ("str", "int", "date", "datetime", "bool") for i in kind.items)
        assert all(i.max_length for i in kind.items if i.type == "str"), kind.code


def _valid_evaluation():
    return {
        "evaluation_no": 7, "case_number": None, "satisfaction": 5, "satisfaction_label": "非常满意",
        "channel": "二维码", "stage": "办结", "comment": None, "follow_up": False, "org_name": "虎丘区政务服务中心",
        "evaluated_at": "2025-09-16T10:00:00+08:00",
    }  # fmt: skip


@pytest.mark.parametrize(
    "change, problem",
    [
        ({"org_name": ""}, "必填数据项「被评价机构」(org_name) 为空"),
        ({"satisfaction": None}, "必填数据项「满意度」(satisfaction) 为空"),
        ({"satisfaction": "5"}, "数据项「满意度」(satisfaction) 应为整数"),
        ({"satisfaction": 12}, "数据项「满意度」(satisfaction) 超过 1 位"),
        ({"follow_up": 0}, "数据项「是否追评」(follow_up) 应为布尔值"),
        ({"comment": "差" * 501}, "数据项「评价内容」(comment) 超过 500 个字符"),
        ({"evaluated_at": "2025-09-16T10:00:00"}, "数据项「评价时间」(evaluated_at) 应带时区"),
        ({"evaluated_at": "昨天"}, "数据项「评价时间」(evaluated_at) 应为 ISO 8601 时间"),
        ({"extra": 1}, "多余的数据项：extra"),
    ],
)
def test_validate_names_the_data_item_and_the_rule(change, problem):
    assert mapping.validate("evaluation", _valid_evaluation()) == []
    assert mapping.validate("evaluation", _valid_evaluation() | change) == [problem]


def test_a_missing_item_and_a_bad_date_are_reported():
    record = _valid_evaluation()
    del record["stage"]
    assert mapping.validate("evaluation", record) == ["缺少数据项「评价环节」(stage)"]
    item = {i.key: None for i in mapping.BY_CODE["item"].items} | {"valid_from": "2025-9-1"}
    assert "数据项「生效日期」(valid_from) 应为日期 YYYY-MM-DD" in mapping.validate("item", item)
