"""Segmentation, stop words and synonyms (pure)."""

import pytest

from bangban.knowledge import text


@pytest.mark.parametrize(
    ("q", "groups"),
    [
        ("办社保卡", [("社保卡", "社会保障卡", "医保卡")]),
        ("老人怎么办身份证", [("老人", "老年人", "高龄"), ("身份证", "居民身份证")]),
        ("个体工商户营业执照怎么办理", [("个体工商户",), ("营业执照", "执照")]),
        ("社保", [("社保", "社会保险")]),
        ("医保报销", [("医保", "医疗保险", "基本医疗保险"), ("报销",)]),
        ("户口", [("户口", "户籍")]),
    ],
)
def test_colloquial_queries_become_synonym_groups(q, groups):
    assert text.query_groups(q) == groups


def test_domain_words_stay_whole_in_the_index_with_their_parts():
    tokens = text.index_tokens("老年人如何申领居民身份证？需要带户口簿。")
    for word in ("老年人", "居民身份证", "身份证", "户口簿"):
        assert word in tokens
    assert "？" not in tokens and "。" not in tokens
    assert "社会保障卡" in text.index_tokens("社会保障卡补办")
    assert "个体工商户" in text.index_tokens("个体工商户登记")


def test_stop_words_are_dropped_unless_nothing_else_is_left():
    assert text.query_words("请问怎么办理") == ["请问", "怎么", "办理"]
    assert text.query_words("请问怎么办理居住证") == ["居住证"]


def test_full_width_and_case_are_folded():
    assert text.index_tokens("ＡＢ１２") == ["ab12"]
    assert text.query_words("ＡＢ１２") == ["ab12"]


def test_queries_are_bounded_and_punctuation_or_markup_is_no_token():
    assert text.query_groups("") == []
    assert text.query_groups("？！。，") == []
    assert text.query_groups('" OR "a" NEAR(') == [("or",), ("a",), ("near",)]
    many = " ".join(f"词{i}号" for i in range(40))
    assert len(text.query_groups(many)) <= text.MAX_GROUPS
    assert all(len(w) <= text.MAX_TOKEN_CHARS for w in text.index_tokens("x" * 500))


def test_synonym_groups_work_both_ways():
    table = text.synonyms()
    assert "社会保险" in table["社保"] and "社保" in table["社会保险"]
    assert table["居民身份证"][0] == "居民身份证"


def test_all_terms_lists_each_word_once():
    assert text.all_terms([("a", "b"), ("b", "c")]) == ["a", "b", "c"]


def test_compounds_split_into_their_smallest_parts_only_when_nothing_holds_them():
    assert text.parts("食品经营许可证") == ["食品", "经营", "许可"]
    assert text.relax([("食品经营许可证",), ("社保", "社会保险")], {"社保": 3}) == [
        ("食品",),
        ("经营",),
        ("许可",),
        ("社保", "社会保险"),
    ]
    assert text.relax([("食品经营许可证",)], {"食品经营许可证": 1}) == [("食品经营许可证",)]
    assert text.parts("社保") == []
