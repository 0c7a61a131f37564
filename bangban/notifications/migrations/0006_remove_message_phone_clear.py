from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("notifications", "0005_encrypt_message_phones")]

    operations = [
        migrations.RemoveField(model_name="message", name="phone"),
    ]
