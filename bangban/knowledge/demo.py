"""Demo knowledge: a few published Q&A pairs a citizen's colloquial questions find (load_demo).

Written by one 事项管理员 and published by another (the author never publishes their own). Idempotent:
an article whose title exists is left alone."""

from __future__ import annotations

from bangban.accounts.models import User
from bangban.catalog.models import Item
from bangban.knowledge import services
from bangban.knowledge.models import Article

AUTHOR, REVIEWER = "shixiang", "shixiang2"

# (title, body, item names, tags, source)
ARTICLES = [
    (
        "社保卡怎么办？要带什么？",
        "办理社会保障卡（社保卡）请带上本人居民身份证，到就近的便民服务中心或社保窗口申领；"
        "老年人、行动不便的可以请帮办代办员帮忙，也可以网上预约到窗口的时间。",
        ["社会保障卡申领"],
        "社保,社会保障卡",
        Article.Source.HOTLINE,
    ),
    (
        "社保卡丢了怎么补办？",
        "社保卡丢失后请先挂失（拨打 12333 或到窗口），再带居民身份证到便民服务中心补办社会保障卡。",
        ["社会保障卡申领"],
        "社保,补办",
        Article.Source.HOTLINE,
    ),
    (
        "老人身份证过期了怎么办？",
        "居民身份证有效期满前三个月可以申请换领。老年人行动不便的，可以申请上门服务，工作人员上门采集照片和指纹。",
        ["居民身份证申领", "居民身份证换领"],
        "身份证,老年人",
        Article.Source.OWN,
    ),
    (
        "帮办代办收费吗？",
        "帮办代办服务免费，您自愿选择。代办不包办：您仍对所办事项承担法律责任，代办要签代办服务委托书。",
        [],
        "帮办代办",
        Article.Source.OWN,
    ),
]


def load_knowledge_demo() -> int:
    """Publish the demo articles that are not there yet; returns how many were created."""
    author = User.objects.filter(username=AUTHOR).first()
    reviewer = User.objects.filter(username=REVIEWER).first()
    if author is None or reviewer is None:
        return 0
    created = 0
    for title, body, item_names, tags, source in ARTICLES:
        if Article.objects.filter(title=title).exists():
            continue
        items = list(Item.objects.filter(name__in=item_names))
        data = {"kind": Article.Kind.QA, "title": title, "body": body, "items": items, "tags": tags}
        article = services.article_create(by=author, data=data | {"source": source})
        article = services.article_submit(by=author, article=article)
        services.article_publish(by=reviewer, article=article)
        created += 1
    return created
