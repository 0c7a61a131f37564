"""The standard path of a key project (国办发〔2019〕11号, Cangzhou §4): 立项 → 用地 → 规划 → 施工许可 →
竣工验收 → 公用设施接入, the same items for every project type as a start (editable per project).
Each item: (name, department keyword, limit in working days, names it needs).

Seeded after migrate (not by a data migration) so the flushes between transactional tests refill it,
like the working-day calendar (workdays/apps.py); a type that has its templates is left alone.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections, transaction

STAGES = [
    (
        "立项",
        [
            ("企业投资项目备案", "发展和改革", 3, []),
            ("节能审查", "发展和改革", 10, ["企业投资项目备案"]),
        ],
    ),
    (
        "用地",
        [
            ("建设项目用地预审与选址意见书", "自然资源", 10, ["企业投资项目备案"]),
            ("建设用地规划许可证", "自然资源", 7, ["建设项目用地预审与选址意见书"]),
        ],
    ),
    (
        "规划",
        [
            ("建设工程规划许可证", "自然资源", 10, ["建设用地规划许可证"]),
            ("环境影响评价审批", "生态环境", 15, ["企业投资项目备案"]),
        ],
    ),
    (
        "施工许可",
        [
            ("施工图设计文件审查", "住房和城乡建设", 10, ["建设工程规划许可证"]),
            ("人防工程设计审查", "人防", 5, ["建设工程规划许可证"]),
            (
                "建筑工程施工许可证",
                "住房和城乡建设",
                5,
                ["施工图设计文件审查", "人防工程设计审查", "环境影响评价审批", "节能审查"],
            ),
        ],
    ),
    (
        "竣工验收",
        [
            ("联合竣工验收", "住房和城乡建设", 10, ["建筑工程施工许可证"]),
        ],
    ),
    (
        "公用设施接入",
        [
            ("供水接入", "水务", 5, ["建筑工程施工许可证"]),
            ("供电接入", "供电", 5, ["建筑工程施工许可证"]),
            ("燃气接入", "燃气", 5, ["建筑工程施工许可证"]),
            ("供热接入", "热力", 5, ["建筑工程施工许可证"]),
            ("通信网络接入", "通信", 5, ["建筑工程施工许可证"]),
        ],
    ),
]
TYPES = ["industrial", "commercial", "public", "other"]


def seed_templates() -> int:
    """Create the templates of every project type that has none; the number of types seeded."""
    from bangban.projects.models import ItemTemplate, StageTemplate

    seeded = 0
    with transaction.atomic():
        for project_type in TYPES:
            if StageTemplate.objects.filter(project_type=project_type).exists():
                continue
            by_name, needs = {}, []
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
            seeded += 1
    return seeded


def seed_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    if using != DEFAULT_DB_ALIAS:
        return
    if "projects_stagetemplate" not in connections[using].introspection.table_names():
        return  # migrated backwards
    seed_templates()
