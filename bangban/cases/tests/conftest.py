import datetime

import pytest

from bangban.catalog.models import Item, ItemVersion, ListingEntry
from bangban.core.ids import credit_code_check_char
from bangban.org.models import Institution


def make_item(
    org,
    name,
    *,
    promised=5,
    immediate=False,
    help_tiers="123",
    agency_tiers="123",
    code_seq=1,
    valid_from=datetime.date(2020, 1, 1),
    suspended=False,
):
    """A published catalog item for case tests (the catalog's own services are tested in catalog/)."""
    basic = f"{code_seq:012d}"
    credit = org.department.credit_code
    item = Item.objects.create(
        name=name,
        basic_code=basic,
        implementation_code=f"{credit}1{basic}",
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
        implementation_code=f"{credit}1{basic}",
        competent_department="区市场监督管理局",
        department=org.department,
        level="3",
        handling_tiers="123",
        help_tiers=help_tiers,
        agency_tiers=agency_tiers,
        statutory_days=max(promised, 20),
        promised_days=promised,
        is_immediate=immediate,
        is_suspended=suspended,
    )
    # Every institution of the test tree lists it, in both modes (the tiers above still decide).
    ListingEntry.objects.bulk_create(
        [
            ListingEntry(institution=i, item=item, offers_help=True, offers_agency=True)
            for i in Institution.objects.all()
        ]
    )
    return item


@pytest.fixture
def items(org):
    return {
        "license": make_item(org, "个体工商户登记", promised=5, code_seq=1),
        "immediate": make_item(org, "残疾人证补办", promised=0, immediate=True, code_seq=2),
        "county_only": make_item(
            org, "建设工程施工许可证核发", promised=7, help_tiers="1", agency_tiers="1", code_seq=3
        ),
    }


assert credit_code_check_char  # the org fixture's department carries a valid GB 32100 code


# A 清单 at the scale of a real center (issue 9: 5,000 items), written in a few bulk statements.
_SUBJECTS = (
    "食品经营", "药品零售", "医疗器械", "建设工程", "道路运输", "排污", "农药经营", "种子生产", "出版物零售",
    "娱乐场所", "旅行社", "人力资源服务", "劳务派遣", "民办学校", "养老机构", "医疗机构", "公共场所卫生",
    "特种设备", "危险化学品", "烟花爆竹", "燃气经营", "供水", "城市道路占用", "户外广告", "建筑垃圾处置",
    "林木采伐", "取水", "渔业捕捞", "生猪屠宰", "兽药经营", "广播电视", "网络文化", "印刷经营", "拍卖",
    "典当", "融资担保", "小额贷款", "社会团体", "民办非企业单位", "基金会", "宗教活动场所", "殡葬服务",
    "文物保护工程", "档案", "测绘资质", "地质灾害治理", "矿产开采", "土地复垦", "房地产开发", "物业服务",
)  # fmt: skip
_ACTIONS = (
    "许可证核发", "许可证变更", "许可证延续", "许可证注销", "备案", "备案变更", "资质认定", "年度报告",
    "登记", "变更登记", "注销登记", "证明开具", "审批", "验收", "检验", "补办", "换证", "信息公开申请",
    "投诉受理", "奖励申报",
)  # fmt: skip
_AREAS = ("", "（一类）", "（二类）", "（三类）", "（限额以下）", "（限额以上）")


def make_listing(org, institutions, count=5000, *, extra=()):
    """`count` published items (names from real 清单 vocabulary, no two alike), listed for help and
    agency at `institutions`, plus `extra`: (name, promised days, immediate, [(material, kind)]) items
    made first. Returns {name: Item} of the extras."""
    from bangban.catalog.models import Material as CatalogMaterial
    from bangban.catalog.pinyin import initials

    names = [(n, p, i, m) for n, p, i, m in extra]
    for area in _AREAS:
        for subject in _SUBJECTS:
            for action in _ACTIONS:
                if len(names) < count + len(extra):
                    names.append((f"{subject}{action}{area}", 10, False, []))
    credit = org.department.credit_code
    base = (Item.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    items = Item.objects.bulk_create(
        [
            Item(
                name=name,
                basic_code=f"{base + n:012d}",
                implementation_code=f"{credit}1{base + n:012d}",
                department=org.department,
                status=Item.Status.ACTIVE,
            )
            for n, (name, *_rest) in enumerate(names)
        ]
    )
    versions = ItemVersion.objects.bulk_create(
        [
            ItemVersion(
                item=item,
                number=1,
                state=ItemVersion.State.PUBLISHED,
                valid_from=datetime.date(2020, 1, 1),
                name=name,
                name_initials=initials(name),
                item_type="01",
                basic_code=item.basic_code,
                implementation_code=item.implementation_code,
                competent_department="区市场监督管理局",
                department=org.department,
                level="3",
                handling_tiers="123",
                help_tiers="123",
                agency_tiers="123",
                statutory_days=20,
                promised_days=0 if immediate else promised,
                is_immediate=immediate,
            )
            for item, (name, promised, immediate, _m) in zip(items, names, strict=True)
        ]
    )
    CatalogMaterial.objects.bulk_create(
        [
            CatalogMaterial(version=version, position=n, name=material, kind=kind)
            for version, (*_rest, materials) in zip(versions, names, strict=True)
            for n, (material, kind) in enumerate(materials)
        ]
    )
    ListingEntry.objects.bulk_create(
        [
            ListingEntry(institution=inst, item=item, offers_help=True, offers_agency=True)
            for inst in institutions
            for item in items
        ]
    )
    return {name: item for item, (name, *_rest) in zip(items[: len(extra)], names, strict=False)}
