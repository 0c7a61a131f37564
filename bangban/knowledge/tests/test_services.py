"""Writes: four eyes, scope, bad input (Chinese, nothing saved), audit rows, import."""

import datetime

import pytest

from bangban.audit.models import AuditEvent
from bangban.core.errors import AccessRefused, NotInScope, ServiceError
from bangban.knowledge import services
from bangban.knowledge.models import Article, Corpus
from bangban.knowledge.tests.factories import draft, make_item, published, workbook

pytestmark = pytest.mark.django_db


def actions(article):
    return list(
        AuditEvent.objects.filter(object_type="knowledge.article", object_id=str(article.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_life_cycle_writes_one_audit_row_per_change(org):
    a = draft(org, "社保卡补办", "带身份证到窗口")
    services.article_submit(by=org.user("catalog_admin"), article=a)
    services.article_return(by=org.user("county_admin"), article=a, note="请补充收费标准")
    services.article_update(
        by=org.user("catalog_admin"), article=a, data={"title": "社保卡补办", "body": "工本费 10 元"}
    )
    services.article_submit(by=org.user("catalog_admin"), article=a)
    services.article_publish(by=org.user("county_admin"), article=a)
    services.article_withdraw(by=org.user("coordinator"), article=a, reason="政策调整")
    a.refresh_from_db()
    assert a.status == "withdrawn" and a.reviewed_by == org.user("county_admin")
    assert actions(a) == [
        "knowledge.article.create",
        "knowledge.article.submit",
        "knowledge.article.return",
        "knowledge.article.update",
        "knowledge.article.submit",
        "knowledge.article.publish",
        "knowledge.article.withdraw",
    ]


def test_the_author_cannot_publish_their_own_article(org):
    a = draft(org, "问题", "答复")
    services.article_submit(by=org.user("catalog_admin"), article=a)
    with pytest.raises(ServiceError) as exc:
        services.article_publish(by=org.user("catalog_admin"), article=a)
    assert exc.value.code == "four_eyes" and "撰写人" in exc.value.message
    a.refresh_from_db()
    assert a.status == "submitted" and a.reviewed_by is None
    assert Corpus.objects.filter(documents__gt=0).count() == 0


def test_a_draft_cannot_be_published_without_submission_nor_a_published_one_edited(org):
    a = draft(org, "问题", "答复")
    with pytest.raises(ServiceError, match="草稿"):
        services.article_publish(by=org.user("county_admin"), article=a)
    p = published(org, "问题二", "答复")
    with pytest.raises(ServiceError, match="先撤回"):
        services.article_update(by=org.user("catalog_admin"), article=p, data={"title": "改", "body": "改"})


def test_editing_scope_and_capability(org):
    town = draft(org, "镇级问答", "内容", author="town_admin")
    county = draft(org, "县级问答", "内容")
    # The county sees down the tree; the town does not see up; another county sees nothing.
    services.article_update(
        by=org.user("county_admin"), article=town, data={"title": "镇级问答", "body": "新"}
    )
    with pytest.raises(NotInScope):
        services.article_update(by=org.user("town_admin"), article=county, data={"title": "x", "body": "y"})
    with pytest.raises(NotInScope):
        services.article_submit(by=org.user("other_admin"), article=town)
    with pytest.raises(AccessRefused):
        services.article_create(by=org.user("town_agent"), data={"title": "x", "body": "y"})
    county.refresh_from_db()
    assert county.title == "县级问答" and county.status == "draft"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": "", "body": "b"}, "title", "「标题或问题」为必填项"),
        ({"title": "t" * 201, "body": "b"}, "title", "最多 200 个字"),
        ({"title": "t", "body": ""}, "body", "「正文或答复」为必填项"),
        ({"title": "t", "body": "b" * 20_001}, "body", "最多 20000 个字"),
        ({"title": "t", "body": "b", "kind": "poem"}, "kind", "「类型」"),
        ({"title": "t", "body": "b", "source": "x"}, "source", "「来源」"),
        ({"title": "t", "body": "b", "tags": "标签标签," * 60}, "tags", "「分类标签」"),
        (
            {
                "title": "t",
                "body": "b",
                "valid_from": datetime.date(2026, 2, 1),
                "valid_to": datetime.date(2026, 1, 1),
            },
            "valid_to",
            "不能早于",
        ),
        ({"title": "t", "body": "b", "valid_to": "2026-01-01"}, "valid_to", "YYYY-MM-DD"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_saved(org, data, field, message):
    with pytest.raises(ServiceError) as exc:
        services.article_create(by=org.user("catalog_admin"), data=data)
    assert exc.value.field == field and message in exc.value.message
    assert Article.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="knowledge.").exists()


def test_a_stale_version_is_refused(org):
    a = draft(org, "问题", "答复")
    services.article_update(by=org.user("catalog_admin"), article=a, data={"title": "问题", "body": "新答复"})
    with pytest.raises(ServiceError) as exc:
        services.article_update(
            by=org.user("county_admin"), article=a, data={"title": "问题", "body": "旧"}, expected_version=1
        )
    assert exc.value.code == "stale"


def test_editing_recomputes_the_search_tokens(org):
    a = draft(org, "问题", "答复")
    services.article_update(by=org.user("catalog_admin"), article=a, data={"title": "居住证", "body": "签注"})
    a.refresh_from_db()
    assert a.title_tokens == "居住 居住证" and "签注" in a.tokens


# --- import --------------------------------------------------------------------------------------


def test_import_creates_submitted_articles_and_reports_each_row(org):
    item = make_item(org, "社会保障卡申领", 301)
    data = workbook(
        [
            [
                "社保卡怎么办？",
                "带身份证到社保窗口。",
                "社保",
                "12345热线",
                item.implementation_code,
                "2030-12-31",
            ],
            ["居住证怎么签注", "每年签注一次。", "户籍", "", "", ""],
            ["", "没有问题的答复", "", "", "", ""],
            ["答复为空的问题", "", "", "", "", ""],
            ["事项编码不存在", "答复", "", "", "999999999999", ""],
            ["日期不对", "答复", "", "", "", "明年"],
            ["社保卡怎么办？", "重复的行", "", "12345", "", ""],
            [None, None, None, None, None, None],
        ]
    )
    report = services.article_import(by=org.user("catalog_admin"), data=data)
    assert [r.outcome for r in report.rows] == [
        "created",
        "created",
        "error",
        "error",
        "error",
        "error",
        "skipped",
    ]
    messages = [r.message for r in report.rows]
    assert messages[2] == "第 4 行：「问题」为空"
    assert messages[3] == "第 5 行：「答复」为空"
    assert "「事项编码」999999999999 不存在" in messages[4]
    assert "「有效期至」" in messages[5]
    assert "与第 2 行重复" in messages[6]
    first = Article.objects.get(title="社保卡怎么办？")
    assert first.status == "submitted" and first.source == "12345" and first.tags == "社保"
    assert list(first.items.all()) == [item] and first.valid_to == datetime.date(2030, 12, 31)
    assert report.summary.startswith("新增 2 条")
    assert AuditEvent.objects.filter(action="knowledge.article.import").count() == 1


def test_re_import_changes_nothing_twice_and_never_overwrites_a_published_article(org):
    rows = [["社保卡怎么办？", "带身份证。", "社保", "12345"], ["居住证怎么签注", "每年一次。", "", "12345"]]
    header = ("问题", "答复", "分类", "来源")
    services.article_import(by=org.user("catalog_admin"), data=workbook(rows, header))
    again = services.article_import(by=org.user("catalog_admin"), data=workbook(rows, header))
    assert [r.outcome for r in again.rows] == ["unchanged", "unchanged"]
    assert Article.objects.count() == 2
    card = Article.objects.get(title="社保卡怎么办？")
    services.article_publish(by=org.user("county_admin"), article=card)
    changed = [
        ["社保卡怎么办？", "新答复", "社保", "12345"],
        ["居住证怎么签注", "每年签注一次。", "", "12345"],
    ]
    report = services.article_import(by=org.user("catalog_admin"), data=workbook(changed, header))
    assert [r.outcome for r in report.rows] == ["skipped", "updated"]
    card.refresh_from_db()
    assert card.body == "带身份证。" and card.status == "published"
    assert Article.objects.get(title="居住证怎么签注").body == "每年签注一次。"
    # The same question from another source is another article.
    other = services.article_import(
        by=org.user("catalog_admin"), data=workbook([["社保卡怎么办？", "x", "", "政策文件"]], header)
    )
    assert [r.outcome for r in other.rows] == ["created"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a workbook", "「文件」"),
        (None, "表头「问题」「答复」"),
        (b"x" * (services.IMPORT_MAX_BYTES + 1), "不能超过 5 MB"),
    ],
)
def test_a_bad_file_is_refused_whole(org, data, message):
    if data is None:
        data = workbook([["a", "b"]], header=("标题", "内容"))
    with pytest.raises(ServiceError) as exc:
        services.article_import(by=org.user("catalog_admin"), data=data)
    assert exc.value.field == "file" and message in exc.value.message
    assert Article.objects.count() == 0


def test_too_many_rows_are_refused(org, monkeypatch):
    monkeypatch.setattr(services, "IMPORT_MAX_ROWS", 3)
    with pytest.raises(ServiceError, match="最多 3 行"):
        services.article_import(
            by=org.user("catalog_admin"), data=workbook([[f"问题{i}", "答复"] for i in range(5)])
        )
    assert Article.objects.count() == 0
