from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_encrypt_case_phones")]

    operations = [
        migrations.RemoveField(model_name="case", name="phone"),
    ]
