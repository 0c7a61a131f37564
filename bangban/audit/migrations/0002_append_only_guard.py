from django.db import migrations

from bangban.audit import dbguard


def forwards(apps, schema_editor):
    dbguard.install(schema_editor)


def backwards(apps, schema_editor):
    dbguard.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
