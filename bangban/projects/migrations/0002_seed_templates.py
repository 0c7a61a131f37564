"""The standard path of a key project (国办发〔2019〕11号, Cangzhou §4): 立项 → 用地 → 规划 → 施工许可 →
竣工验收 → 公用设施接入, the same items for every project type as a start (editable per project).
Each item: (name, department keyword, limit in working days, names it needs)."""

from django.db import migrations

STAGES = [
    ("立项", [
        ("企业投资项目备案", "发展和改革", 3, []),
        ("节能审查", "发展和改革", 10, ["企业投资项目备案"]),
    ]),
    ("用地", [
        ("建设项目用地预审与选址意见书", "自然资源", 10, ["企业投资项目备案"]),
        ("建设用地规划许可证", "自然资源", 7, ["建设项目用地预审与选址意见书"]),
    ]),
    ("规划", [
        ("建设工程规划许可证", "自然资源", 10, ["建设用地规划许可证"]),
        ("环境影响评价审批", "生态环境", 15, ["企业投资项目备案"]),
    ]),
    ("施工许可", [
        ("施工图设计文件审查", "住房和城乡建设", 10, ["建设工程规划许可证"]),
        ("人防工程设计审查", "人防", 5, ["建设工程规划许可证"]),
        ("建筑工程施工许可证", "住房和城乡建设", 5, ["施工图设计文件审查", "人防工程设计审查", "环境影响评价审批", "节能审查"]),
    ]),
    ("竣工验收", [
        ("联合竣工验收", "住房和城乡建设", 10, ["建筑工程施工许可证"]),
    ]),
    ("公用设施接入", [
        ("供水接入", "水务", 5, ["建筑工程施工许可证"]),
        ("供电接入", "供电", 5, ["建筑工程施工许可证"]),
        ("燃气接入", "燃气", 5, ["建筑工程施工许可证"]),
        ("供热接入", "热力", 5, ["建筑工程施工许可证"]),
        ("通信网络接入", "通信", 5, ["建筑工程施工许可证"]),
    ]),
]
TYPES = ["industrial", "commercial", "public", "other"]


def seed(apps, schema_editor):
    StageTemplate = apps.get_model("projects", "StageTemplate")
    ItemTemplate = apps.get_model("projects", "ItemTemplate")
    for project_type in TYPES:
        by_name = {}
        needs = []
        for order, (stage_name, items) in enumerate(STAGES, 1):
            stage = StageTemplate.objects.create(project_type=project_type, order=order, name=stage_name)
            for n, (name, hint, limit, deps) in enumerate(items, 1):
                by_name[name] = ItemTemplate.objects.create(
                    stage=stage, order=n, name=name, department_hint=hint, limit_workdays=limit
                )
                needs.append((name, deps))
        for name, deps in needs:
            if deps:
                by_name[name].depends_on.set([by_name[d] for d in deps])


def unseed(apps, schema_editor):
    apps.get_model("projects", "StageTemplate").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
