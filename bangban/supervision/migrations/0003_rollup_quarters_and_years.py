# The rollups gain quarter ("q") and year ("y") grains (models.py), filled here from the month rows:
# a quarter or a year is the sum of its months, exactly. The table is locked (PostgreSQL) while they are
# written, so no service adds to a month in between; a process still running the code from before this
# migration writes no quarter or year rows: `bangban recompute_facts` after the deployment repairs that.

import datetime as dt

from django.db import migrations, models


def _starts(month: dt.date) -> tuple[tuple[str, dt.date], ...]:
    # indicators.grain_start as of this migration (a migration keeps its own copy of the rule)
    return (("q", dt.date(month.year, 3 * ((month.month - 1) // 3) + 1, 1)), ("y", dt.date(month.year, 1, 1)))


def fill(apps, schema_editor):
    RollupFact = apps.get_model("supervision", "RollupFact")
    db = schema_editor.connection.alias
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("LOCK TABLE supervision_rollupfact IN EXCLUSIVE MODE")
    RollupFact.objects.using(db).filter(grain__in=["q", "y"]).delete()
    sums: dict[tuple, int] = {}
    months = (
        RollupFact.objects.using(db)
        .filter(grain="m")
        .exclude(n=0)
        .values_list("institution_id", "dim", "start", "metric", "key", "n")
    )
    for institution_id, dim, start, metric, key, n in months.iterator(chunk_size=20_000):
        for grain, first in _starts(start):
            k = (institution_id, dim, grain, first, metric, key)
            sums[k] = sums.get(k, 0) + n
    RollupFact.objects.using(db).bulk_create(
        (
            RollupFact(institution_id=i, dim=d, grain=g, start=s, metric=m, key=k, n=n)
            for (i, d, g, s, m, k), n in sorted(sums.items())
            if n
        ),
        batch_size=5_000,
    )


def empty(apps, schema_editor):
    apps.get_model("supervision", "RollupFact").objects.using(schema_editor.connection.alias).filter(
        grain__in=["q", "y"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0002_rollup_key_institution_first"),
    ]

    operations = [
        migrations.AlterField(
            model_name="rollupfact",
            name="grain",
            field=models.CharField(
                choices=[("d", "日"), ("m", "月"), ("q", "季度"), ("y", "年")], max_length=1, verbose_name="粒度"
            ),
        ),
        migrations.RunPython(fill, empty),
    ]
