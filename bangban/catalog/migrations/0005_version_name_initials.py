# Pinyin initials of each version's name for the window's type-ahead (issue 9). Published versions
# are frozen by triggers, so the guard is lifted while the existing rows get their initials and put
# back with the new column among the frozen ones.

from django.db import migrations, models

from bangban.catalog import dbguard
from bangban.catalog.pinyin import initials


def lift_guard(apps, schema_editor):
    # Before the column is added too: SQLite adds it by rebuilding the table, which the children's
    # triggers (they name catalog_itemversion) would break.
    dbguard.uninstall(schema_editor)


def fill(apps, schema_editor):
    ItemVersion = apps.get_model("catalog", "ItemVersion")
    batch = []
    for version in ItemVersion.objects.only("id", "name").iterator(chunk_size=2000):
        version.name_initials = initials(version.name)
        batch.append(version)
        if len(batch) >= 2000:
            ItemVersion.objects.bulk_update(batch, ["name_initials"])
            batch = []
    if batch:
        ItemVersion.objects.bulk_update(batch, ["name_initials"])
    Bundle = apps.get_model("catalog", "Bundle")
    for bundle in Bundle.objects.only("id", "name"):
        Bundle.objects.filter(pk=bundle.pk).update(name_initials=initials(bundle.name)[:100])
    dbguard.install(schema_editor, frozen=dbguard.FROZEN_0005)


def unfill(apps, schema_editor):
    dbguard.uninstall(schema_editor)


def restore_guard(apps, schema_editor):
    dbguard.install(schema_editor, frozen=dbguard.FROZEN)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_import_batch_review")]

    operations = [
        migrations.RunPython(lift_guard, restore_guard),
        migrations.AddField(
            model_name="itemversion",
            name="name_initials",
            field=models.CharField(blank=True, editable=False, max_length=200, verbose_name="名称拼音首字母"),
        ),
        migrations.AddField(
            model_name="bundle",
            name="name_initials",
            field=models.CharField(blank=True, editable=False, max_length=100, verbose_name="名称拼音首字母"),
        ),
        migrations.RunPython(fill, unfill),
    ]
