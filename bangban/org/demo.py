"""Demo organization over the real divisions of 苏州高新区 (虎丘区, 320505).

Towns and streets come from the national division data; the community rows under them
are illustrative (their 12-digit codes are not official). Loading is idempotent: what
exists is left as it is, what is missing is created through the services.
"""

from __future__ import annotations

from importlib import resources

from django.db import transaction

from bangban.accounts.models import User
from bangban.accounts.roles import Role
from bangban.accounts.services import staff_create
from bangban.divisions.models import Division
from bangban.divisions.services import divisions_import_csv
from bangban.org.models import Department, Institution
from bangban.org.services import department_create, institution_create

DEMO_PASSWORD = "Gaoxin@2026!"

COUNTY_CENTER = "苏州高新区政务服务中心"
HOURS = "周一至周五 9:00–12:00，13:30–17:00（法定节假日除外）"

DEPARTMENTS = [
    ("苏州高新区市场监督管理局", "11320505MB1710001J", "A01–A06"),
    ("苏州高新区人力资源和社会保障局", "11320505MB1710002M", "B01–B04"),
    ("苏州高新区住房和城乡建设局", "11320505MB1710003Q", "C01–C03"),
    ("苏州高新区民政局", "11320505MB1710004U", "B05"),
    ("苏州高新区残疾人联合会", "11320505MB1710005Y", "B06"),
    ("苏州高新区卫生健康委员会", "11320505MB17100062", "D01–D02"),
    ("苏州高新区医疗保障局", "11320505MB17100075", "B07–B08"),
    ("苏州市自然资源和规划局高新区（虎丘区）分局", "11320505MB17100088", "C04–C05"),
    ("苏州高新区行政审批局", "11320505MB1710009B", "E01–E08"),
]

# town division code → name of its 便民服务中心 and its stations (village division codes)
TOWNS = [
    ("320505001", "横塘街道便民服务中心", ["320505001001", "320505001002"]),
    ("320505002", "狮山街道便民服务中心", ["320505002001", "320505002002"]),
    ("320505003", "枫桥街道便民服务中心", ["320505003001", "320505003002"]),
    ("320505004", "镇湖街道便民服务中心", ["320505004201", "320505004202"]),
    ("320505101", "通安镇便民服务中心", ["320505101201", "320505101001"]),
    ("320505400", "浒墅关镇便民服务中心", ["320505400001", "320505400201"]),
    ("320505407", "东渚街道便民服务中心", ["320505407001", "320505407201"]),
]

# username, full name, role(s), institution key, department name
ACCOUNTS = [
    ("admin", "系统管理员", [Role.SYSADMIN], "county", None),
    ("zhongxin", "周中心", [Role.CENTER_ADMIN], "county", None),
    ("jiandu", "吴监督", [Role.SUPERVISOR], "county", None),
    ("shixiang", "沈事项", [Role.CATALOG_ADMIN], "county", None),
    ("shixiang2", "陆审核", [Role.CATALOG_ADMIN], "county", None),
    ("xietiao", "钱协调", [Role.COORDINATOR], "county", None),
    ("bangban", "孙帮办", [Role.AGENT], "county", None),
    ("scjg.shouxi", "李首席", [Role.CHIEF_LIAISON], "county", "苏州高新区市场监督管理局"),
    ("scjg.zhuanzhi", "王专职", [Role.LIAISON], "county", "苏州高新区市场监督管理局"),
    ("tongan.admin", "顾镇管", [Role.CENTER_ADMIN], "320505101", None),
    ("tongan.bangban", "陈代办", [Role.AGENT], "320505101", None),
    ("shushan.bangban", "杨站员", [Role.AGENT], "320505101201", None),
    ("tongan.sq.bangban", "朱站员", [Role.AGENT], "320505101001", None),
    ("fengqiao.bangban", "许帮办", [Role.AGENT], "320505003", None),
]


def _read(name: str) -> str:
    return resources.files("bangban.divisions").joinpath("data", name).read_text(encoding="utf-8")


@transaction.atomic
def load_demo() -> list[tuple[str, str, str, str]]:
    """Create what is missing; returns (username, password, name, role labels) for the README banner."""
    divisions_import_csv(by=None, text=_read("suzhou_gaoxin.csv"), source_name="suzhou_gaoxin.csv")
    divisions_import_csv(
        by=None, text=_read("suzhou_gaoxin_communities.csv"), source_name="suzhou_gaoxin_communities.csv"
    )

    def ensure_institution(name, tier, division_code, parent, address=""):
        existing = Institution.objects.filter(parent=parent, name=name).first()
        if existing:
            return existing
        return institution_create(
            by=None,
            name=name,
            tier=tier,
            division=Division.objects.get(code=division_code),
            parent=parent,
            address=address,
            opening_hours=HOURS,
            phone="0512-12345",
        )

    county = ensure_institution(COUNTY_CENTER, Institution.Tier.CENTER, "320505", None, "苏州高新区狮山街道")
    places = {"county": county}
    for dept_name, credit, windows in DEPARTMENTS:
        if not Department.objects.filter(institution=county, name=dept_name).exists():
            department_create(
                by=None, institution=county, name=dept_name, credit_code=credit, windows=windows
            )
    for town_code, center_name, stations in TOWNS:
        town = Division.objects.get(code=town_code)
        center = ensure_institution(center_name, Institution.Tier.TOWN_CENTER, town_code, county, town.name)
        places[town_code] = center
        for village_code in stations:
            village = Division.objects.get(code=village_code)
            places[village_code] = ensure_institution(
                f"{village.name}便民服务站",
                Institution.Tier.STATION,
                village_code,
                center,
                f"{town.name}{village.name}",
            )

    banner = []
    for username, full_name, roles, place, dept_name in ACCOUNTS:
        institution = places[place]
        if not User.objects.filter(username=username).exists():
            department = (
                Department.objects.get(institution=institution, name=dept_name) if dept_name else None
            )
            user = staff_create(
                by=None,
                username=username,
                full_name=full_name,
                institution=institution,
                roles=roles,
                password=DEMO_PASSWORD,
                department=department,
                must_change_password=False,
            )
            if username == "admin":
                user.is_superuser = user.is_staff = True
                user.save(update_fields=["is_superuser", "is_staff"])
        banner.append(
            (username, DEMO_PASSWORD, full_name, "、".join(r.label for r in roles), institution.name)
        )
    return banner
