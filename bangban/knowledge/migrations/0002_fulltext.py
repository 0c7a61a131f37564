"""The full-text index over Article.tokens: an FTS5 table on SQLite, a GIN index on PostgreSQL
(bangban.knowledge.index says how each is used). Other vendors get none."""

from django.db import migrations


def forwards(apps, schema_editor):
    from bangban.knowledge import index

    index.create(schema_editor)


def backwards(apps, schema_editor):
    from bangban.knowledge import index

    index.drop(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
