from django.db import migrations

from bangban.catalog import dbguard


def forwards(apps, schema_editor):
    dbguard.install(schema_editor)


def backwards(apps, schema_editor):
    dbguard.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
