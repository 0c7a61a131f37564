"""Demo catalog for 苏州高新区: real items a county center and its towns handle, with real legal bases.

The names, types, time limits, materials and legal bases follow the published national and
Jiangsu texts (articles quoted where the wording is settled; otherwise only the title and article
are given). The 12-digit basic codes are illustrative (department + type + main item + sub item),
not the official national codes. Implementing agencies are the departments stationed at
苏州高新区政务服务中心 (org.demo). Loading is idempotent: existing items (by implementation code),
清单 entries and bundles are left as they are.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from bangban.catalog import codes, services
from bangban.catalog.models import Adjustment, Bundle, Item, ListingEntry
from bangban.org.demo import COUNTY_CENTER
from bangban.org.models import Department, Institution

SINCE = datetime.date(2024, 1, 1)

SAMR = "苏州高新区市场监督管理局"
HRSS = "苏州高新区人力资源和社会保障局"
HOUSING = "苏州高新区住房和城乡建设局"
CIVIL = "苏州高新区民政局"
DISABLED = "苏州高新区残疾人联合会"
HEALTH = "苏州高新区卫生健康委员会"
MEDICARE = "苏州高新区医疗保障局"
LAND = "苏州市自然资源和规划局高新区（虎丘区）分局"
APPROVAL = "苏州高新区行政审批局"

LAW, REGULATION, LOCAL_REGULATION, RULE, LOCAL_RULE, NORMATIVE = 1, 2, 3, 4, 5, 6

# Laws and regulations quoted by several items.
L_LICENSING = (LAW, "《中华人民共和国行政许可法》", "第十二条", "")
L_MARKET_REG = (
    REGULATION,
    "《中华人民共和国市场主体登记管理条例》（国务院令第746号）",
    "第三条",
    "市场主体应当依照本条例办理登记。未经登记，不得以市场主体名义从事经营活动。法律、行政法规规定无需办理登记的除外。",
)
L_MARKET_REG_19 = (
    REGULATION,
    "《中华人民共和国市场主体登记管理条例》（国务院令第746号）",
    "第十九条",
    "登记机关对申请材料进行形式审查。对申请材料齐全、符合法定形式的予以确认并当场登记。不能当场登记的，应当在3个工作日内予以登记；情形复杂的，经登记机关负责人批准，可以再延长3个工作日。",
)
L_MARKET_RULES = (
    RULE,
    "《中华人民共和国市场主体登记管理条例实施细则》（国家市场监督管理总局令第52号）",
    "",
    "",
)
L_SOLE_TRADER = (
    REGULATION,
    "《促进个体工商户发展条例》（国务院令第755号）",
    "第二条",
    "有经营能力的公民在中华人民共和国境内从事工商业经营，依照《市场主体登记管理条例》办理登记的，为个体工商户。",
)
L_FOOD_35 = (
    LAW,
    "《中华人民共和国食品安全法》",
    "第三十五条",
    "国家对食品生产经营实行许可制度。从事食品生产、食品销售、餐饮服务，应当依法取得许可。但是，销售食用农产品和仅销售预包装食品的，不需要取得许可。仅销售预包装食品的，应当报所在地县级以上地方人民政府食品安全监督管理部门备案。",
)
L_FOOD_RULES = (RULE, "《食品经营许可和备案管理办法》（国家市场监督管理总局令第78号）", "", "")
L_SOCIAL_20 = (
    LAW,
    "《中华人民共和国社会保险法》",
    "第二十条",
    "国家建立和完善新型农村社会养老保险制度。新型农村社会养老保险实行个人缴费、集体补助和政府补贴相结合。",
)
L_SOCIAL_22 = (
    LAW,
    "《中华人民共和国社会保险法》",
    "第二十二条",
    "国家建立和完善城镇居民社会养老保险制度。省、自治区、直辖市人民政府根据实际情况，可以将城镇居民社会养老保险和新型农村社会养老保险合并实施。",
)
L_RESIDENT_PENSION = (
    NORMATIVE,
    "《国务院关于建立统一的城乡居民基本养老保险制度的意见》（国发〔2014〕8号）",
    "",
    "",
)
L_ASSISTANCE_11 = (
    REGULATION,
    "《社会救助暂行办法》（国务院令第649号）",
    "第十一条",
    "申请最低生活保障，按照下列程序办理：（一）由共同生活的家庭成员向户籍所在地的乡镇人民政府、街道办事处提出书面申请；家庭成员申请有困难的，可以委托村民委员会、居民委员会代为提出申请。",
)
L_DISABLED_LAW = (LAW, "《中华人民共和国残疾人保障法》", "", "")
L_DISABLED_CARD = (NORMATIVE, "《中华人民共和国残疾人证管理办法》（中国残疾人联合会）", "", "")
L_BIRTH_CERT = (
    LAW,
    "《中华人民共和国母婴保健法》",
    "第二十三条",
    "医疗保健机构和从事家庭接生的人员按照国务院卫生行政部门的规定，出具统一制发的新生儿出生医学证明；有产妇和婴儿死亡以及新生儿出生缺陷情况的，应当向卫生行政部门报告。",
)
L_MATERNITY_54 = (
    LAW,
    "《中华人民共和国社会保险法》",
    "第五十四条",
    "用人单位已经缴纳生育保险费的，其职工享受生育保险待遇；职工未就业配偶按照国家规定享受生育医疗费用待遇。所需资金从生育保险基金中支付。",
)
L_MATERNITY_56 = (
    LAW,
    "《中华人民共和国社会保险法》",
    "第五十六条",
    "职工有下列情形之一的，可以按照国家规定享受生育津贴：（一）女职工生育享受产假；（二）享受计划生育手术休假；（三）法律、法规规定的其他情形。",
)


def M(name, kind="original", copies=1, required=True, condition="", source="applicant", notes=""):
    return {
        "name": name,
        "kind": kind,
        "copies": copies,
        "required": required,
        "condition": condition,
        "source": source,
        "notes": notes,
    }


ID_CARD = M("申请人身份证件", "original", notes="现场核验，不留存复印件")
PROXY = M("授权委托书及受托人身份证件", required=False, condition="委托他人办理的")
LICENSE = M("营业执照", "electronic", source="shared", notes="通过电子证照库共享，免于提交")
SOLE_TRADER_FORM = M("个体工商户登记（备案）申请书")

# (dept, type, domain, basic code, main basic code, main name, name, competent department,
#  handling tiers, help tiers, agency tiers, statutory, promised, immediate, fee, tags,
#  legal bases, materials, conditions, result, channels)
ITEMS = [
    # ---- 市场监管 ----
    dict(
        dept=SAMR,
        type="01",
        code="105010001001",
        main=("105010001000", "个体工商户登记"),
        name="个体工商户设立登记",
        competent="市场监督管理部门",
        handling="12",
        help="123",
        agency="123",
        statutory=3,
        promised=0,
        immediate=True,
        tags="startup",
        legal=[L_SOLE_TRADER, L_MARKET_REG, L_MARKET_REG_19, L_MARKET_RULES],
        materials=[SOLE_TRADER_FORM, ID_CARD, M("经营场所使用相关信息或证明", "copy"), PROXY],
        conditions="有经营能力的公民，有固定经营场所，经营范围不属于法律、行政法规禁止的行业。",
        result="营业执照",
        channels="window,online",
    ),
    dict(
        dept=SAMR,
        type="01",
        code="105010001002",
        main=("105010001000", "个体工商户登记"),
        name="个体工商户变更登记",
        competent="市场监督管理部门",
        handling="12",
        help="123",
        agency="123",
        statutory=3,
        promised=0,
        immediate=True,
        tags="startup",
        legal=[L_SOLE_TRADER, L_MARKET_REG, L_MARKET_REG_19, L_MARKET_RULES],
        materials=[
            SOLE_TRADER_FORM,
            ID_CARD,
            M("与变更事项相关的证明文件", "copy", required=False, condition="变更经营场所、经营者等须证明的"),
            PROXY,
        ],
        result="营业执照（变更后）",
        channels="window,online",
    ),
    dict(
        dept=SAMR,
        type="01",
        code="105010001003",
        main=("105010001000", "个体工商户登记"),
        name="个体工商户注销登记",
        competent="市场监督管理部门",
        handling="12",
        help="123",
        agency="123",
        statutory=3,
        promised=0,
        immediate=True,
        tags="closure",
        legal=[L_SOLE_TRADER, L_MARKET_REG, L_MARKET_REG_19, L_MARKET_RULES],
        materials=[SOLE_TRADER_FORM, ID_CARD, M("营业执照正、副本", "original"), PROXY],
        result="准予注销登记通知书",
        channels="window,online",
    ),
    dict(
        dept=SAMR,
        type="01",
        code="105010002001",
        main=("105010002000", "企业登记"),
        name="有限责任公司设立登记",
        competent="市场监督管理部门",
        handling="1",
        help="12",
        agency="12",
        statutory=3,
        promised=1,
        tags="startup",
        legal=[
            (
                LAW,
                "《中华人民共和国公司法》",
                "第二十九条",
                "设立公司，应当依法向公司登记机关申请设立登记。法律、行政法规规定设立公司必须报经批准的，应当在公司登记前依法办理批准手续。",
            ),
            L_MARKET_REG,
            L_MARKET_REG_19,
            L_MARKET_RULES,
        ],
        materials=[
            M("公司登记（备案）申请书"),
            M("公司章程"),
            M("股东的主体资格文件或者自然人身份证件", "copy"),
            M("法定代表人、董事、监事和高级管理人员的任职文件", "original"),
            M("住所使用相关文件", "copy"),
            PROXY,
        ],
        result="营业执照",
        channels="window,online",
    ),
    dict(
        dept=SAMR,
        type="01",
        code="105010003001",
        main=("105010003000", "食品经营许可"),
        name="食品经营许可（新办）",
        competent="市场监督管理部门",
        handling="1",
        help="123",
        agency="12",
        statutory=10,
        promised=5,
        tags="operating_permit",
        legal=[L_FOOD_35, L_FOOD_RULES],
        materials=[
            M("食品经营许可申请书"),
            LICENSE,
            M("与食品经营相适应的主要设备设施、经营布局、操作流程等文件"),
            M("食品安全自查、从业人员健康管理、进货查验记录、食品安全事故处置等保证食品安全的规章制度目录"),
            M(
                "食品安全管理人员的身份证明及其培训考核合格证明",
                "copy",
                required=False,
                condition="从事餐饮服务、食品销售连锁经营的",
            ),
            PROXY,
        ],
        conditions="具有与经营的食品品种、数量相适应的经营场所、设备设施、专职或者兼职的食品安全管理人员和保证食品安全的规章制度。",
        result="食品经营许可证",
        channels="window,online",
    ),
    dict(
        dept=SAMR,
        type="01",
        code="105010003002",
        main=("105010003000", "食品经营许可"),
        name="食品经营许可（变更）",
        competent="市场监督管理部门",
        handling="1",
        help="123",
        agency="12",
        statutory=10,
        promised=3,
        tags="operating_permit",
        legal=[L_FOOD_35, L_FOOD_RULES],
        materials=[M("食品经营许可变更申请书"), M("与变更事项有关的材料"), PROXY],
        result="食品经营许可证（变更后）",
        channels="window,online",
    ),
    dict(
        dept=SAMR,
        type="01",
        code="105010003003",
        main=("105010003000", "食品经营许可"),
        name="食品经营许可（延续）",
        competent="市场监督管理部门",
        handling="1",
        help="123",
        agency="12",
        statutory=10,
        promised=3,
        tags="operating_permit",
        legal=[L_FOOD_35, L_FOOD_RULES],
        materials=[
            M("食品经营许可延续申请书"),
            M("与延续食品经营许可有关的材料", notes="经营条件发生变化的须说明"),
            PROXY,
        ],
        result="食品经营许可证",
        channels="window,online",
    ),
    dict(
        dept=SAMR,
        type="10",
        code="105100004000",
        name="仅销售预包装食品备案",
        competent="市场监督管理部门",
        handling="12",
        help="123",
        agency="123",
        statutory=None,
        promised=0,
        immediate=True,
        tags="operating_permit",
        legal=[L_FOOD_35, L_FOOD_RULES],
        materials=[M("仅销售预包装食品经营者备案信息采集表"), LICENSE],
        result="备案信息",
        channels="window,online",
    ),
    dict(
        dept=SAMR,
        type="01",
        code="105010005000",
        name="药品零售企业经营许可",
        competent="药品监督管理部门",
        handling="1",
        help="12",
        agency="1",
        statutory=20,
        promised=15,
        tags="operating_permit",
        legal=[
            (
                LAW,
                "《中华人民共和国药品管理法》",
                "第五十一条",
                "从事药品批发活动，应当经所在地省、自治区、直辖市人民政府药品监督管理部门批准，取得药品经营许可证。从事药品零售活动，应当经所在地县级以上地方人民政府药品监督管理部门批准，取得药品经营许可证。无药品经营许可证的，不得经营药品。",
            ),
            (RULE, "《药品经营和使用质量监督管理办法》（国家市场监督管理总局令第84号）", "", ""),
        ],
        materials=[
            M("药品经营许可证申请表"),
            LICENSE,
            M("执业药师注册证或者药学技术人员资格证明", "copy"),
            M("经营场所、仓库平面布置图及房屋产权或者使用权证明", "copy"),
            M("药品质量管理制度文件目录"),
        ],
        result="药品经营许可证",
        channels="window,online",
    ),
    # ---- 人社 ----
    dict(
        dept=HRSS,
        type="20",
        domain="social_insurance",
        code="106200001000",
        name="城乡居民基本养老保险参保登记",
        competent="人力资源社会保障部门",
        handling="123",
        help="123",
        agency="123",
        statutory=None,
        promised=0,
        immediate=True,
        tags="insurance,elderly_care",
        legal=[L_SOCIAL_20, L_SOCIAL_22, L_RESIDENT_PENSION],
        materials=[ID_CARD, M("户口簿", "original", notes="本人户籍页"), M("城乡居民基本养老保险参保登记表")],
        conditions="年满16周岁（不含在校学生），非国家机关和事业单位工作人员及不属于职工基本养老保险制度覆盖范围的城乡居民。",
        result="参保登记信息",
        channels="window,online",
    ),
    dict(
        dept=HRSS,
        type="20",
        domain="social_insurance",
        code="106200002000",
        name="城乡居民基本养老保险待遇申领",
        competent="人力资源社会保障部门",
        handling="12",
        help="123",
        agency="123",
        statutory=None,
        promised=5,
        tags="insurance,elderly_care",
        legal=[L_SOCIAL_20, L_SOCIAL_22, L_RESIDENT_PENSION],
        materials=[
            ID_CARD,
            M("城乡居民基本养老保险待遇领取申请表"),
            M("本人社会保障卡或银行账户信息", "copy"),
            PROXY,
        ],
        conditions="年满60周岁、累计缴费满15年，且未领取国家规定的基本养老保障待遇。",
        result="按月领取养老金",
        channels="window,online",
    ),
    dict(
        dept=HRSS,
        type="20",
        domain="employment",
        code="106200003000",
        name="就业登记和失业登记",
        competent="人力资源社会保障部门",
        handling="123",
        help="123",
        agency="12",
        statutory=None,
        promised=0,
        immediate=True,
        tags="job",
        legal=[
            (LAW, "《中华人民共和国就业促进法》", "", ""),
            (RULE, "《就业服务与就业管理规定》（劳动和社会保障部令第28号）", "", ""),
        ],
        materials=[
            ID_CARD,
            M("就业登记或失业登记表"),
            M("与用人单位解除或终止劳动关系的证明", "copy", required=False, condition="办理失业登记的"),
        ],
        result="就业创业证（电子）",
        channels="window,online",
    ),
    dict(
        dept=HRSS,
        type="20",
        domain="social_insurance",
        code="106200004000",
        name="失业保险金申领",
        competent="人力资源社会保障部门",
        handling="12",
        help="123",
        agency="12",
        statutory=None,
        promised=5,
        tags="insurance,job",
        legal=[
            (
                LAW,
                "《中华人民共和国社会保险法》",
                "第四十五条",
                "失业人员符合下列条件的，从失业保险基金中领取失业保险金：（一）失业前用人单位和本人已经缴纳失业保险费满一年的；（二）非因本人意愿中断就业的；（三）已经进行失业登记，并有求职要求的。",
            ),
            (REGULATION, "《失业保险条例》（国务院令第258号）", "第十四条", ""),
        ],
        materials=[ID_CARD, M("失业保险金申领登记表"), M("解除或终止劳动关系证明", "copy", source="agency")],
        result="按月发放失业保险金",
        channels="window,online",
    ),
    dict(
        dept=HRSS,
        type="20",
        domain="social_insurance",
        code="106200005000",
        name="社会保障卡申领",
        competent="人力资源社会保障部门",
        handling="12",
        help="123",
        agency="123",
        statutory=None,
        promised=0,
        immediate=True,
        tags="insurance,birth",
        legal=[
            (
                LAW,
                "《中华人民共和国社会保险法》",
                "第五十八条",
                "国家建立全国统一的个人社会保障号码。个人社会保障号码为公民身份号码。",
            )
        ],
        materials=[
            ID_CARD,
            M("近期免冠彩色证件照", "electronic", required=False, condition="无可用的制证照片的"),
            M("新生儿户口簿或出生医学证明", "original", required=False, condition="为新生儿申领的"),
        ],
        result="社会保障卡",
        channels="window,online,mail",
    ),
    dict(
        dept=HRSS,
        type="20",
        domain="social_insurance",
        code="106200006000",
        name="单位参加社会保险登记",
        competent="人力资源社会保障部门",
        handling="12",
        help="123",
        agency="12",
        statutory=15,
        promised=1,
        tags="employment_social,startup",
        legal=[
            (
                LAW,
                "《中华人民共和国社会保险法》",
                "第五十七条",
                "用人单位应当自成立之日起三十日内凭营业执照、登记证书或者单位印章，向当地社会保险经办机构申请办理社会保险登记。社会保险经办机构应当自收到申请之日起十五日内予以审核，发给社会保险登记证件。",
            ),
            (REGULATION, "《社会保险费征缴暂行条例》（国务院令第259号）", "", ""),
        ],
        materials=[LICENSE, M("社会保险登记表"), PROXY],
        result="社会保险登记信息",
        channels="window,online",
    ),
    dict(
        dept=HRSS,
        type="01",
        code="106010007000",
        name="人力资源服务许可",
        competent="人力资源社会保障部门",
        handling="1",
        help="1",
        agency="1",
        statutory=20,
        promised=10,
        tags="operating_permit",
        legal=[
            (
                REGULATION,
                "《人力资源市场暂行条例》（国务院令第700号）",
                "第十八条",
                "经营性人力资源服务机构从事职业中介活动的，应当依法向人力资源社会保障行政部门申请行政许可，取得人力资源服务许可证。",
            ),
            (
                REGULATION,
                "《人力资源市场暂行条例》（国务院令第700号）",
                "第十九条",
                "人力资源社会保障行政部门应当自收到经营性人力资源服务机构从事职业中介活动的申请之日起20日内依法作出行政许可决定。",
            ),
            (RULE, "《人力资源服务机构管理规定》", "", ""),
        ],
        materials=[
            M("人力资源服务许可申请书"),
            LICENSE,
            M("经营场所使用证明", "copy"),
            M("专职工作人员的学历或资格证明", "copy"),
            M("工作规则和管理制度"),
        ],
        result="人力资源服务许可证",
        channels="window,online",
    ),
    # ---- 住建 ----
    dict(
        dept=HOUSING,
        type="01",
        code="107010001000",
        name="建筑工程施工许可证核发",
        competent="住房和城乡建设部门",
        handling="1",
        help="12",
        agency="12",
        statutory=7,
        promised=3,
        tags="construction",
        legal=[
            (
                LAW,
                "《中华人民共和国建筑法》",
                "第七条",
                "建筑工程开工前，建设单位应当按照国家有关规定向工程所在地县级以上人民政府建设行政主管部门申请领取施工许可证；但是，国务院建设行政主管部门确定的限额以下的小型工程除外。",
            ),
            (
                LAW,
                "《中华人民共和国建筑法》",
                "第八条",
                "建设行政主管部门应当自收到申请之日起七日内，对符合条件的申请颁发施工许可证。",
            ),
            (RULE, "《建筑工程施工许可管理办法》（住房和城乡建设部令第18号）", "", ""),
        ],
        materials=[
            M("建筑工程施工许可申请表"),
            M("建设工程规划许可证", "electronic", source="shared"),
            M("施工合同", "copy"),
            M("施工图设计文件审查合格书", "electronic", source="shared"),
            M("建设资金已经落实承诺书"),
            M("质量安全监督手续", "copy"),
        ],
        conditions="已办理用地批准手续；依法应当办理建设工程规划许可证的，已取得规划许可证；施工场地已经基本具备施工条件；已经确定施工企业；有满足施工需要的技术资料；有保证工程质量和安全的具体措施。",
        result="建筑工程施工许可证",
        channels="window,online",
    ),
    dict(
        dept=HOUSING,
        type="10",
        code="107100002000",
        name="建设工程竣工验收备案",
        competent="住房和城乡建设部门",
        handling="1",
        help="1",
        agency="1",
        statutory=None,
        promised=3,
        tags="construction",
        legal=[
            (
                REGULATION,
                "《建设工程质量管理条例》（国务院令第279号）",
                "第四十九条",
                "建设单位应当自建设工程竣工验收合格之日起15日内，将建设工程竣工验收报告和规划、公安消防等部门出具的认可文件或者准许使用文件报建设行政主管部门或者其他有关部门备案。",
            ),
            (RULE, "《房屋建筑和市政基础设施工程竣工验收备案管理办法》", "", ""),
        ],
        materials=[
            M("工程竣工验收备案表"),
            M("工程竣工验收报告"),
            M("施工单位签署的工程质量保修书", "copy"),
            M("规划、消防等认可文件或准许使用文件", "copy", source="agency"),
        ],
        result="竣工验收备案证明",
        channels="window,online",
    ),
    dict(
        dept=HOUSING,
        type="01",
        code="107010003000",
        name="城镇污水排入排水管网许可",
        competent="城镇排水主管部门",
        handling="1",
        help="12",
        agency="12",
        statutory=15,
        promised=5,
        tags="operating_permit,construction",
        legal=[
            (
                REGULATION,
                "《城镇排水与污水处理条例》（国务院令第641号）",
                "第二十一条",
                "从事工业、建筑、餐饮、医疗等活动的企业事业单位、个体工商户（以下称排水户）向城镇排水设施排放污水的，应当向城镇排水主管部门申请领取污水排入排水管网许可证。",
            ),
            (RULE, "《城镇污水排入排水管网许可管理办法》（住房和城乡建设部令第21号）", "", ""),
        ],
        materials=[
            M("城镇污水排入排水管网许可申请表"),
            LICENSE,
            M("排水户内部排水管网、专用检测井、污水排放口位置和口径的图纸及说明"),
            M("预处理设施的说明", required=False, condition="按规定须建设污水预处理设施的"),
        ],
        result="城镇污水排入排水管网许可证",
        channels="window,online",
    ),
    dict(
        dept=HOUSING,
        type="01",
        code="107010004000",
        name="商品房预售许可",
        competent="房地产管理部门",
        handling="1",
        help="1",
        agency="1",
        statutory=10,
        promised=5,
        tags="real_estate",
        legal=[
            (
                LAW,
                "《中华人民共和国城市房地产管理法》",
                "第四十五条",
                "商品房预售，应当符合下列条件：（一）已交付全部土地使用权出让金，取得土地使用权证书；（二）持有建设工程规划许可证；（三）按提供预售的商品房计算，投入开发建设的资金达到工程建设总投资的百分之二十五以上，并已经确定施工进度和竣工交付日期；（四）向县级以上人民政府房产管理部门办理预售登记，取得商品房预售许可证明。",
            ),
            (RULE, "《城市商品房预售管理办法》", "", ""),
        ],
        materials=[
            M("商品房预售许可申请表"),
            M("开发企业营业执照和资质证书", "electronic", source="shared"),
            M("土地使用权证书、建设工程规划许可证和施工许可证", "electronic", source="shared"),
            M("投入开发建设资金达到总投资25%以上的证明"),
            M("商品房预售方案"),
        ],
        result="商品房预售许可证",
        channels="window",
    ),
    # ---- 民政 ----
    dict(
        dept=CIVIL,
        type="05",
        code="108050001000",
        name="最低生活保障审核确认",
        competent="民政部门",
        handling="2",
        help="23",
        agency="23",
        statutory=None,
        promised=20,
        tags="assistance",
        legal=[
            L_ASSISTANCE_11,
            (
                REGULATION,
                "《社会救助暂行办法》（国务院令第649号）",
                "第九条",
                "国家对共同生活的家庭成员人均收入低于当地最低生活保障标准，且符合当地最低生活保障家庭财产状况规定的家庭，给予最低生活保障。",
            ),
            (NORMATIVE, "《最低生活保障审核确认办法》（民发〔2021〕57号）", "", ""),
        ],
        materials=[
            M("最低生活保障申请书"),
            ID_CARD,
            M("户口簿", "original"),
            M("家庭经济状况核对授权书"),
            M("家庭收入、财产情况声明"),
            M("残疾人证、病历等证明", "copy", required=False, condition="家庭成员有残疾、重病的"),
        ],
        conditions="共同生活的家庭成员人均收入低于当地最低生活保障标准，且家庭财产状况符合规定。",
        result="最低生活保障金",
        channels="window,online",
    ),
    dict(
        dept=CIVIL,
        type="05",
        code="108050002000",
        name="特困人员救助供养审核确认",
        competent="民政部门",
        handling="2",
        help="23",
        agency="23",
        statutory=None,
        promised=20,
        tags="assistance,elderly_care",
        legal=[
            (
                REGULATION,
                "《社会救助暂行办法》（国务院令第649号）",
                "第十四条",
                "国家对无劳动能力、无生活来源且无法定赡养、抚养、扶养义务人，或者其赡养、抚养、扶养义务人无赡养、抚养、扶养能力的老年人、残疾人以及未满16周岁的未成年人，给予特困人员供养。",
            ),
            (NORMATIVE, "《特困人员认定办法》（民发〔2021〕43号）", "", ""),
        ],
        materials=[
            M("特困人员救助供养申请书"),
            ID_CARD,
            M("户口簿", "original"),
            M("劳动能力、生活来源、财产状况以及赡养、抚养、扶养情况的书面声明"),
            M("残疾人证", "copy", required=False, condition="申请人为残疾人的"),
        ],
        result="特困人员救助供养待遇",
        channels="window",
    ),
    dict(
        dept=CIVIL,
        type="05",
        code="108050003000",
        name="临时救助",
        competent="民政部门",
        handling="2",
        help="23",
        agency="23",
        statutory=None,
        promised=10,
        tags="assistance",
        legal=[
            (
                REGULATION,
                "《社会救助暂行办法》（国务院令第649号）",
                "第四十七条",
                "国家对因火灾、交通事故等意外事件，家庭成员突发重大疾病等原因，导致基本生活暂时出现严重困难的家庭，或者因生活必需支出突然增加超出家庭承受能力，导致基本生活暂时出现严重困难的最低生活保障家庭，以及遭遇其他特殊困难的家庭，给予临时救助。",
            ),
        ],
        materials=[M("临时救助申请书"), ID_CARD, M("遭遇困难的相关证明（如医疗费用票据、事故证明）", "copy")],
        result="临时救助金或实物",
        channels="window",
    ),
    dict(
        dept=CIVIL,
        type="07",
        code="108070004000",
        name="内地居民结婚登记",
        competent="民政部门",
        handling="1",
        help="1",
        agency="",
        statutory=None,
        promised=0,
        immediate=True,
        tags="marriage",
        legal=[
            (
                LAW,
                "《中华人民共和国民法典》",
                "第一千零四十九条",
                "要求结婚的男女双方应当亲自到婚姻登记机关申请结婚登记。符合本法规定的，予以登记，发给结婚证。完成结婚登记，即确立婚姻关系。未办理结婚登记的，应当补办登记。",
            ),
            (REGULATION, "《婚姻登记条例》", "", ""),
        ],
        materials=[
            M("双方本人的居民身份证", "original"),
            M("双方本人的户口簿", "original", required=False, condition="按规定须提供户口簿的"),
            M("双方近期半身免冠合影照片", copies=3),
            M("申请结婚登记声明书", notes="在登记员面前签署"),
        ],
        conditions="男女双方完全自愿，男方年满22周岁、女方年满20周岁，双方均无配偶，不属于直系血亲和三代以内的旁系血亲。须双方亲自到场，不能代办。",
        result="结婚证",
        channels="window",
    ),
    dict(
        dept=CIVIL,
        type="05",
        code="108050005000",
        name="困难残疾人生活补贴和重度残疾人护理补贴",
        competent="民政部门",
        handling="2",
        help="123",
        agency="23",
        statutory=None,
        promised=15,
        tags="disabled,assistance",
        legal=[
            (
                LAW,
                "《中华人民共和国残疾人保障法》",
                "第四十八条",
                "对生活不能自理的残疾人，地方各级人民政府应当根据情况给予护理补贴。",
            ),
            (
                NORMATIVE,
                "《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》（国发〔2015〕52号）",
                "",
                "",
            ),
        ],
        materials=[M("残疾人两项补贴申请审批表"), M("残疾人证", "original"), ID_CARD, PROXY],
        result="按月发放补贴",
        channels="window,online",
    ),
    # ---- 残联 ----
    dict(
        dept=DISABLED,
        type="20",
        domain="disability",
        code="109200001001",
        main=("109200001000", "残疾人证办理"),
        name="残疾人证新办",
        competent="残疾人联合会",
        handling="12",
        help="123",
        agency="123",
        statutory=None,
        promised=20,
        tags="disabled",
        legal=[L_DISABLED_LAW, L_DISABLED_CARD],
        materials=[
            M("残疾人证申请表"),
            ID_CARD,
            M("户口簿", "original"),
            M("近期二寸免冠白底彩色照片", copies=3),
            M("监护人身份证件", required=False, condition="申请人为未成年人或无民事行为能力人的"),
        ],
        conditions="具有本地户籍，符合《残疾人残疾分类和分级》标准的视力、听力、言语、肢体、智力、精神及多重残疾人。",
        result="中华人民共和国残疾人证",
        channels="window,online",
    ),
    dict(
        dept=DISABLED,
        type="20",
        domain="disability",
        code="109200001002",
        main=("109200001000", "残疾人证办理"),
        name="残疾人证换领",
        competent="残疾人联合会",
        handling="12",
        help="123",
        agency="123",
        statutory=None,
        promised=10,
        tags="disabled",
        legal=[L_DISABLED_LAW, L_DISABLED_CARD],
        materials=[
            M("残疾人证换领申请表"),
            M("原残疾人证", "original"),
            ID_CARD,
            M("近期二寸免冠白底彩色照片", copies=2),
        ],
        result="中华人民共和国残疾人证",
        channels="window",
    ),
    # ---- 卫健 ----
    dict(
        dept=HEALTH,
        type="20",
        domain="health",
        code="110200001000",
        name="出生医学证明首次签发",
        competent="卫生健康部门",
        handling="1",
        help="12",
        agency="12",
        statutory=None,
        promised=0,
        immediate=True,
        tags="birth",
        legal=[L_BIRTH_CERT],
        materials=[
            M("新生儿父母身份证件", "original"),
            M("出生医学证明首次签发登记表"),
            M("结婚证", "copy", required=False, condition="父母为夫妻关系的"),
        ],
        result="出生医学证明",
        channels="window",
    ),
    dict(
        dept=HEALTH,
        type="20",
        domain="health",
        code="110200002000",
        name="生育登记",
        competent="卫生健康部门",
        handling="123",
        help="123",
        agency="123",
        statutory=None,
        promised=0,
        immediate=True,
        tags="birth",
        legal=[
            (LAW, "《中华人民共和国人口与计划生育法》", "", ""),
            (LOCAL_REGULATION, "《江苏省人口与计划生育条例》", "", ""),
        ],
        materials=[
            M("夫妻双方身份证件", "original", source="shared", notes="网上办理时自动核验"),
            M("生育登记表"),
        ],
        result="生育登记信息",
        channels="window,online",
    ),
    dict(
        dept=HEALTH,
        type="10",
        code="110100003000",
        name="诊所备案",
        competent="卫生健康部门",
        handling="1",
        help="1",
        agency="1",
        statutory=None,
        promised=0,
        immediate=True,
        tags="operating_permit",
        legal=[
            (
                REGULATION,
                "《医疗机构管理条例》（国务院令第149号，2022年修订）",
                "第十五条",
                "医疗机构执业，必须进行登记，领取《医疗机构执业许可证》；诊所按照国务院卫生行政部门的规定向所在地的县级人民政府卫生行政部门备案后，可以执业。",
            ),
            (NORMATIVE, "《诊所备案管理暂行办法》（国卫医政发〔2022〕33号）", "", ""),
        ],
        materials=[
            M("诊所备案信息表"),
            M("诊所房屋产权证明或使用证明", "copy"),
            M("诊所人员名单及执业资格证书", "copy"),
            M("诊所规章制度"),
        ],
        result="诊所备案凭证",
        channels="window,online",
    ),
    dict(
        dept=HEALTH,
        type="01",
        code="110010004000",
        name="公共场所卫生许可",
        competent="卫生健康部门",
        handling="1",
        help="12",
        agency="12",
        statutory=20,
        promised=5,
        tags="operating_permit",
        legal=[
            (
                REGULATION,
                "《公共场所卫生管理条例》",
                "第八条",
                "除公园、体育场（馆）、公共交通工具外的公共场所，经营单位应当及时向卫生行政部门申请办理“卫生许可证”。",
            ),
            (
                RULE,
                "《公共场所卫生管理条例实施细则》（卫生部令第80号）",
                "第二十二条",
                "国家对公共场所实行卫生许可证管理。公共场所经营者应当按照规定向县级以上地方人民政府卫生计生行政部门申请卫生许可证。未取得卫生许可证的，不得营业。",
            ),
        ],
        materials=[
            M("公共场所卫生许可申请表"),
            LICENSE,
            M("公共场所地址方位示意图、平面图和卫生设施平面布局图"),
            M("公共场所卫生检测或者评价报告"),
            M("公共场所卫生管理制度"),
        ],
        result="公共场所卫生许可证",
        channels="window,online",
    ),
    # ---- 医保 ----
    dict(
        dept=MEDICARE,
        type="20",
        domain="social_insurance",
        code="111200001000",
        name="城乡居民基本医疗保险参保登记",
        competent="医疗保障部门",
        handling="123",
        help="123",
        agency="123",
        statutory=None,
        promised=0,
        immediate=True,
        tags="insurance,medical,birth",
        legal=[
            (
                LAW,
                "《中华人民共和国社会保险法》",
                "第二十五条",
                "国家建立和完善城镇居民基本医疗保险制度。城镇居民基本医疗保险实行个人缴费和政府补贴相结合。",
            ),
            (NORMATIVE, "《国务院关于整合城乡居民基本医疗保险制度的意见》（国发〔2016〕3号）", "", ""),
        ],
        materials=[
            ID_CARD,
            M("户口簿或出生医学证明", "original", required=False, condition="为新生儿参保的"),
        ],
        result="参保登记信息",
        channels="window,online",
    ),
    dict(
        dept=MEDICARE,
        type="20",
        domain="social_insurance",
        code="111200002000",
        name="异地就医备案",
        competent="医疗保障部门",
        handling="123",
        help="123",
        agency="123",
        statutory=None,
        promised=0,
        immediate=True,
        tags="medical",
        legal=[
            (
                NORMATIVE,
                "《国家医疗保障局 财政部关于进一步做好基本医疗保险跨省异地就医直接结算工作的通知》（医保发〔2022〕22号）",
                "",
                "",
            )
        ],
        materials=[
            ID_CARD,
            M("异地就医备案登记表"),
            M("异地长期居住或工作证明", "copy", required=False, condition="办理异地长期居住人员备案的"),
        ],
        result="备案信息",
        channels="window,online",
    ),
    dict(
        dept=MEDICARE,
        type="20",
        domain="social_insurance",
        code="111200003000",
        name="生育津贴申领",
        competent="医疗保障部门",
        handling="1",
        help="12",
        agency="12",
        statutory=None,
        promised=10,
        tags="birth,insurance",
        legal=[L_MATERNITY_54, L_MATERNITY_56],
        materials=[
            M("生育津贴申领表"),
            ID_CARD,
            M("出生医学证明", "copy", source="agency"),
            M("用人单位银行账户信息", "copy"),
        ],
        result="生育津贴",
        channels="window,online",
    ),
    # ---- 自然资源和规划 ----
    dict(
        dept=LAND,
        type="01",
        code="112010001000",
        name="建设工程规划许可证核发",
        competent="自然资源和规划部门",
        handling="1",
        help="1",
        agency="1",
        statutory=20,
        promised=10,
        tags="construction",
        legal=[
            (
                LAW,
                "《中华人民共和国城乡规划法》",
                "第四十条",
                "在城市、镇规划区内进行建筑物、构筑物、道路、管线和其他工程建设的，建设单位或者个人应当向城市、县人民政府城乡规划主管部门或者省、自治区、直辖市人民政府确定的镇人民政府申请办理建设工程规划许可证。",
            ),
            L_LICENSING,
        ],
        materials=[
            M("建设工程规划许可申请表"),
            M("使用土地的有关证明文件", "copy", source="shared"),
            M("建设工程设计方案"),
            M("建设项目用地范围内的地形图"),
        ],
        result="建设工程规划许可证",
        channels="window,online",
    ),
    dict(
        dept=LAND,
        type="07",
        code="112070002000",
        name="不动产首次登记",
        competent="自然资源和规划部门",
        handling="1",
        help="12",
        agency="12",
        statutory=30,
        promised=5,
        tags="real_estate,housing",
        legal=[
            (
                LAW,
                "《中华人民共和国民法典》",
                "第二百零九条",
                "不动产物权的设立、变更、转让和消灭，经依法登记，发生效力；未经登记，不发生效力，但是法律另有规定的除外。",
            ),
            (
                REGULATION,
                "《不动产登记暂行条例》（国务院令第656号）",
                "第二十条",
                "不动产登记机构应当自受理登记申请之日起30个工作日内办结不动产登记手续，法律另有规定的除外。",
            ),
            (RULE, "《不动产登记暂行条例实施细则》（国土资源部令第63号）", "", ""),
        ],
        materials=[
            M("不动产登记申请书"),
            ID_CARD,
            M("不动产权属来源证明材料", "copy"),
            M("不动产界址、空间界限、面积等材料"),
            M("完税凭证", "electronic", source="shared"),
        ],
        result="不动产权证书",
        channels="window,online",
    ),
    # ---- 行政审批 ----
    dict(
        dept=APPROVAL,
        type="01",
        code="113010001000",
        name="设置大型户外广告及在城市建筑物、设施上悬挂、张贴宣传品审批",
        competent="城市管理部门",
        handling="1",
        help="12",
        agency="12",
        statutory=20,
        promised=5,
        tags="operating_permit",
        legal=[
            (
                REGULATION,
                "《城市市容和环境卫生管理条例》（国务院令第101号）",
                "第十一条",
                "在城市中设置户外广告、标语牌、画廊、橱窗等，应当内容健康、外型美观，并定期维修、油饰或者拆除。大型户外广告的设置必须征得城市人民政府市容环境卫生行政主管部门同意后，按照有关规定办理审批手续。",
            ),
        ],
        materials=[
            M("户外广告（招牌）设置申请表"),
            LICENSE,
            M("设置效果图及设计方案"),
            M("设置场地使用权证明", "copy"),
        ],
        result="户外广告设置许可决定书",
        channels="window,online",
    ),
    dict(
        dept=APPROVAL,
        type="01",
        code="113010002000",
        name="临时占用城市道路审批",
        competent="城市管理部门",
        handling="1",
        help="12",
        agency="12",
        statutory=20,
        promised=5,
        tags="construction",
        legal=[
            (
                REGULATION,
                "《城市道路管理条例》（国务院令第198号）",
                "第三十一条",
                "因特殊情况需要临时占用城市道路的，须经市政工程行政主管部门和公安交通管理部门批准，方可按照规定占用。",
            ),
        ],
        materials=[
            M("临时占用城市道路申请表"),
            M("占用道路平面示意图"),
            M("公安交通管理部门意见", "copy", source="agency"),
        ],
        result="临时占用城市道路许可决定书",
        channels="window,online",
    ),
    dict(
        dept=APPROVAL,
        type="01",
        code="113010003000",
        name="城市建筑垃圾处置核准",
        competent="城市管理部门",
        handling="1",
        help="1",
        agency="1",
        statutory=20,
        promised=5,
        tags="construction",
        legal=[
            (
                RULE,
                "《城市建筑垃圾管理规定》（建设部令第139号）",
                "第七条",
                "处置建筑垃圾的单位，应当向城市人民政府市容环境卫生主管部门提出申请，获得城市建筑垃圾处置核准后，方可处置。",
            ),
        ],
        materials=[
            M("建筑垃圾处置核准申请表"),
            M("建筑垃圾处置方案"),
            M("与运输单位签订的运输合同", "copy"),
            M("消纳场所的证明", "copy"),
        ],
        result="城市建筑垃圾处置核准决定书",
        channels="window,online",
    ),
]

BUNDLES = [
    (
        "我要开餐馆",
        codes.ENTERPRISE,
        "开一家餐馆要办的事项一次告知、一表申请、一窗受理：登记、食品经营许可、排水许可、门头招牌和员工参保。",
        [
            "个体工商户设立登记",
            "食品经营许可（新办）",
            "城镇污水排入排水管网许可",
            "设置大型户外广告及在城市建筑物、设施上悬挂、张贴宣传品审批",
            "单位参加社会保险登记",
        ],
    ),
    (
        "新生儿出生一件事",
        codes.CITIZEN,
        "宝宝出生后，出生医学证明、生育登记、医保参保、社保卡和生育津贴一次办好。",
        [
            "出生医学证明首次签发",
            "生育登记",
            "城乡居民基本医疗保险参保登记",
            "社会保障卡申领",
            "生育津贴申领",
        ],
    ),
]

# Stations (村、社区) offer 帮办 for these citizen items.
STATION_ITEMS = [
    "城乡居民基本养老保险参保登记",
    "城乡居民基本医疗保险参保登记",
    "残疾人证新办",
    "生育登记",
    "最低生活保障审核确认",
]


def _data(spec: dict, department: Department) -> dict:
    main_code, main_name = spec.get("main", ("", ""))
    return {
        "name": spec["name"],
        "item_type": spec["type"],
        "public_domain": spec.get("domain", ""),
        "basic_code": spec["code"],
        "main_basic_code": main_code,
        "main_item_name": main_name,
        "competent_department": spec["competent"],
        "department": department,
        "level": "4",
        "handling_tiers": spec["handling"],
        "help_tiers": spec["help"],
        "agency_tiers": spec["agency"],
        "statutory_days": spec["statutory"],
        "promised_days": spec["promised"],
        "is_immediate": spec.get("immediate", False),
        "charges_fee": False,
        "channels": spec["channels"].split(","),
        "tags": spec["tags"].split(","),
        "conditions": spec.get("conditions", ""),
        "result_name": spec.get("result", ""),
        "location": "" if "1" in spec["handling"] else "户籍所在地街道（镇）便民服务中心",
        "consult_phone": "0512-12345",
        "procedure": "申请 → 受理 → 审查 → 决定 → 送达"
        if not spec.get("immediate")
        else "申请 → 受理 → 当场办结",
        "legal_bases": [{"rank": r, "title": t, "article": a, "text": x} for r, t, a, x in spec["legal"]],
        "materials": spec["materials"],
        **_guide(spec, department),
    }


HOURS = "工作日 9:00–12:00，13:30–17:00（法定节假日除外）"
# Left with gaps on purpose (no 监督投诉电话, no place and hours), so the demo's 信息公开率 is not 100 %.
INCOMPLETE_GUIDES = {"临时占用城市道路审批", "城市建筑垃圾处置核准"}


def _guide(spec: dict, department: Department) -> dict:
    """The 办事指南 elements of a demo item (issue 11): who it serves, where and when, how often one
    comes, how online it is, how the result arrives; what does not apply is marked so."""
    channels = spec["channels"].split(",")
    enterprise = any(codes.TAGS.get(t, ("", ""))[1] == codes.ENTERPRISE for t in spec["tags"].split(",") if t)
    na = ["intermediary", "quantity_limit", "fees"]
    if not spec.get("conditions"):
        na.append("conditions")
    if "online" not in channels:
        na.append("online_depth")
    county = department.institution
    if "1" in spec["handling"]:
        address = f"{county.name}（{county.address or '地址见中心公告'}）"
        if department.windows:
            address += f"，{department.name} {department.windows} 号窗口"
    else:
        address = "户籍所在地街道（镇）便民服务中心"
    places = [{"institution": None, "address": address, "hours": county.opening_hours or HOURS, "phone": ""}]
    if "2" in spec["handling"]:
        for town in Institution.objects.filter(
            parent=county, tier=Institution.Tier.TOWN_CENTER, is_active=True
        )[:20]:
            places.append(
                {
                    "institution": town,
                    "address": town.address or town.name,
                    "hours": town.opening_hours or HOURS,
                    "phone": town.phone,
                }
            )
    complete = spec["name"] not in INCOMPLETE_GUIDES
    return {
        "service_objects": ["enterprise", "unincorporated"] if enterprise else ["person"],
        "visits": 0 if channels == ["online"] else 1,
        "online_depth": "3" if "online" in channels else "",
        "delivery_methods": ["window", "mail"] if "mail" in channels else ["window"],
        "complaint_phone": "12345" if complete else "",
        "not_applicable": na,
        "places": places if complete else [],
    }


@transaction.atomic
def load_catalog_demo() -> dict[str, int]:
    """Create the demo items (published from 2024-01-01), 清单 entries and two 一件事; idempotent."""
    county = Institution.objects.get(name=COUNTY_CENTER, parent=None)
    departments = {d.name: d for d in Department.objects.filter(institution=county)}
    by_name: dict[str, Item] = {}
    created = 0
    for spec in ITEMS:
        department = departments[spec["dept"]]
        code = codes.implementation_code_assemble(department.credit_code, "4", spec["code"])
        item = Item.objects.filter(implementation_code=code).first()
        if item is None:
            item = services.item_create(by=None, data=_data(spec, department))
            services.item_version_publish(by=None, version=item.versions.get(), valid_from=SINCE)
            item.refresh_from_db()
            created += 1
        by_name[spec["name"]] = item

    # 清单: centers offer every item their tier allows; stations offer the common citizen items.
    versions = {
        name: item.versions.filter(state="published").order_by("-valid_from").first()
        for name, item in by_name.items()
    }
    listings = 0
    for institution in Institution.objects.filter(path__startswith=county.path, is_active=True):
        names = list(by_name) if institution.tier != Institution.Tier.STATION else STATION_ITEMS
        for name in names:
            version = versions[name]
            help_ok, agency_ok = (
                version.allows("help", institution.tier),
                version.allows("agency", institution.tier),
            )
            if (
                not (help_ok or agency_ok)
                or ListingEntry.objects.filter(institution=institution, item=by_name[name]).exists()
            ):
                continue
            services.listing_set(
                by=None,
                institution=institution,
                item=by_name[name],
                offers_help=help_ok,
                offers_agency=agency_ok,
            )
            listings += 1

    bundles = 0
    for name, audience, description, item_names in BUNDLES:
        if not Bundle.objects.filter(name=name).exists():
            services.bundle_create(
                by=None,
                name=name,
                audience=audience,
                description=description,
                items=[by_name[n] for n in item_names],
            )
            bundles += 1
    _pending_adjustment(by_name["食品经营许可（新办）"])
    return {
        "items": created,
        "listings": listings,
        "bundles": bundles,
        "adjustments": Adjustment.objects.count(),
    }


def _pending_adjustment(item: Item) -> None:
    """One adjustment waiting for review, so the two demo 事项管理员 can try the four-eyes flow."""
    from bangban.accounts.models import User

    author = User.objects.filter(username="shixiang").first()
    if author is None or Adjustment.objects.exists():
        return
    adjustment = services.adjustment_create(
        by=author,
        kind=Adjustment.Kind.CHANGE,
        trigger=Adjustment.Trigger.REFORM,
        justification="落实“高效办成一件事”改革要求，食品经营许可（新办）承诺时限由 5 个工作日压缩至 3 个工作日。",
        effective_on=timezone.localdate() + datetime.timedelta(days=30),
        items=[item],
        proposed=[{"promised_days": 3}],
    )
    services.adjustment_submit(by=author, adjustment=adjustment)
