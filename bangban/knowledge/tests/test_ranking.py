"""BM25 ranking (pure): the one ordering both databases share."""

from hypothesis import given
from hypothesis import strategies as st

from bangban.knowledge.ranking import Doc, Stats, idf, rank, score

STATS = Stats(documents=100, tokens=2000, df={"社保卡": 5, "办理": 80, "身份证": 10})


def test_a_title_match_outranks_the_same_match_in_the_body():
    title = Doc((1, 2), "社保卡", "其他 内容")
    body = Doc((1, 1), "其他", "社保卡 内容")
    assert [d.key for d, _ in rank([body, title], [("社保卡",)], STATS)] == [(1, 2), (1, 1)]


def test_rare_words_weigh_more_than_common_ones():
    rare = Doc((1, 1), "社保卡")
    common = Doc((1, 2), "办理")
    assert score(rare, [("社保卡",), ("办理",)], STATS) > score(common, [("社保卡",), ("办理",)], STATS)


def test_matching_more_groups_ranks_higher():
    both = Doc((1, 9), "身份证 社保卡")
    one = Doc((1, 1), "社保卡")
    assert rank([one, both], [("社保卡",), ("身份证",)], STATS)[0][0] is both


def test_a_word_counts_only_as_a_whole_token_not_inside_a_longer_one():
    assert score(Doc((1, 1), "居民身份证"), [("身份证",)], STATS) == 0
    assert score(Doc((1, 1), "身份证 居民身份证"), [("身份证",)], STATS) > 0


def test_synonyms_count_towards_their_group():
    doc = Doc((1, 1), "社会保障卡")
    assert score(doc, [("社保卡", "社会保障卡")], STATS) > 0


def test_documents_matching_nothing_are_left_out_and_ties_go_by_key():
    a, b, c = Doc((1, 3), "社保卡"), Doc((0, 7), "社保卡"), Doc((1, 1), "无关")
    assert [d.key for d, _ in rank([a, b, c], [("社保卡",)], STATS)] == [(0, 7), (1, 3)]


def test_idf_is_positive_even_for_words_in_every_document_and_for_an_empty_corpus():
    assert idf(100, 100) > 0
    assert score(Doc((1, 1), "x"), [("x",)], Stats(0, 0, {})) > 0


@given(
    st.lists(st.sampled_from(["社保卡", "办理", "身份证", "其他"]), min_size=1, max_size=12),
    st.integers(1, 9),
)
def test_ranking_is_a_total_order_independent_of_input_order(words, n):
    docs = [
        Doc((1, i), " ".join(words[: (i % len(words)) + 1]), " ".join(words[i % len(words) :]))
        for i in range(n)
    ]
    groups = [("社保卡",), ("身份证",)]
    assert rank(docs, groups, STATS) == rank(list(reversed(docs)), groups, STATS)


def test_expected_matches_and_the_way_postgresql_reads_them():
    from bangban.knowledge.index import _walk_newest, expected_matches

    df = {"老人": 12_000, "老年人": 3_000, "身份证": 5_800}
    groups = [("老人", "老年人"), ("身份证",)]
    assert round(expected_matches(groups, "AND", 100_000, df)) == 870
    assert expected_matches(groups, "OR", 100_000, df) == 20_800
    assert expected_matches(groups, "AND", 0, df) == 0
    assert not _walk_newest(870, 100_000, 200)  # rare: collect from the index
    assert _walk_newest(20_800, 100_000, 200)  # common: walk the newest
