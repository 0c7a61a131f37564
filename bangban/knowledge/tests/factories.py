"""Test data for the knowledge base: published catalog items and articles through the services."""

from __future__ import annotations

import datetime
import io

from openpyxl import Workbook

from bangban.catalog.models import Item, ItemVersion
from bangban.knowledge import services


def make_item(org, name: str, seq: int, *, valid_from=datetime.date(2020, 1, 1)) -> Item:
    basic = f"{seq:012d}"
    code = f"{org.department.credit_code}1{basic}"
    item = Item.objects.create(
        name=name,
        basic_code=basic,
        implementation_code=code,
        department=org.department,
        status=Item.Status.ACTIVE,
    )
    ItemVersion.objects.create(
        item=item,
        number=1,
        state=ItemVersion.State.PUBLISHED,
        valid_from=valid_from,
        name=name,
        item_type="01",
        basic_code=basic,
        implementation_code=code,
        competent_department="区人力资源和社会保障局",
        department=org.department,
        level="3",
        handling_tiers="123",
        help_tiers="123",
        agency_tiers="123",
        statutory_days=20,
        promised_days=5,
    )
    return item


def draft(org, title: str, body: str, *, author="catalog_admin", **extra):
    data = {"kind": "qa", "title": title, "body": body, **extra}
    return services.article_create(by=org.user(author), data=data)


def published(org, title: str, body: str, *, author="catalog_admin", reviewer="county_admin", **extra):
    article = draft(org, title, body, author=author, **extra)
    article = services.article_submit(by=org.user(author), article=article)
    return services.article_publish(by=org.user(reviewer), article=article)


def workbook(rows: list[list], header=("问题", "答复", "分类", "来源", "事项编码", "有效期至")) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# A small corpus of realistic questions; tests name articles by their key.
CORPUS = {
    "sbk_apply": (
        "社会保障卡怎么申领？",
        "携带居民身份证原件到户籍所在地便民服务中心社保窗口申领社会保障卡，当场制卡。",
    ),
    "sbk_lost": ("社保卡丢了如何补办", "先拨打 12345 挂失，再带身份证到社保窗口补办，工本费按规定收取。"),
    "id_elderly": (
        "老年人行动不便怎么办理居民身份证",
        "七十周岁以上老年人申领居民身份证可预约上门服务，由帮办代办员陪同民警上门采集照片和指纹。",
    ),
    "id_renew": ("身份证到期换领需要哪些材料", "本人户口簿、近期照片；到期前三个月可以换领。"),
    "medical": (
        "异地就医怎么备案",
        "通过医保服务平台或到医保窗口办理异地就医备案，备案后可直接结算医疗费用。",
    ),
    "business": (
        "个体工商户营业执照怎么办",
        "经营者携带身份证和经营场所证明到市场监管窗口办理个体工商户登记，领取营业执照。",
    ),
    "residence": (
        "居住证办理条件",
        "在居住地居住半年以上，有合法稳定就业、住所或连续就读之一的，可申领居住证。",
    ),
    "hukou": ("新生儿户口怎么上", "持出生医学证明、父母户口簿和结婚证到户籍窗口为新生儿办理出生登记。"),
}
