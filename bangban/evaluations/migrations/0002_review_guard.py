"""The database refuses UPDATE on reviews (evaluations.dbguard)."""

from django.db import migrations

from bangban.evaluations import dbguard


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0001_initial")]

    operations = [migrations.RunPython(dbguard.install, dbguard.uninstall)]
