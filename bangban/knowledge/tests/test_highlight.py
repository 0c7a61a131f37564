"""Highlights: matched words in <mark>, everything else escaped (pure)."""

from bangban.knowledge.highlight import mark, snippet


def test_marks_longest_terms_first_and_escapes_everything_else():
    assert mark("<i>居民身份证</i>", ["身份证", "居民身份证"]) == "&lt;i&gt;<mark>居民身份证</mark>&lt;/i&gt;"


def test_terms_are_matched_literally_not_as_patterns():
    assert mark("a.b axb", ["a.b"]) == "<mark>a.b</mark> axb"
    assert mark("社保(卡)", ["(卡)"]) == "社保<mark>(卡)</mark>"


def test_ascii_terms_match_full_width_and_upper_case_text():
    assert mark("ＡＢ12 号", ["ab12"]) == "<mark>ＡＢ12</mark> 号"


def test_a_term_cannot_inject_markup():
    assert mark("x", ["<script>"]) == "x"
    assert mark("<script>", ["<script>"]) == "<mark>&lt;script&gt;</mark>"
    assert mark("", ["a"]) == ""
    assert mark("abc", []) == "abc"


def test_snippet_shows_the_text_around_the_first_match():
    body = "开头" * 60 + "社保卡在这里" + "结尾" * 60
    s = snippet(body, ["社保卡"], width=30)
    assert s.startswith("…") and s.endswith("…")
    assert "<mark>社保卡</mark>" in s
    assert snippet("短文本", ["无"]) == "短文本"
    assert snippet("<b>" * 50, ["b"], width=10).count("<b>") == 0
