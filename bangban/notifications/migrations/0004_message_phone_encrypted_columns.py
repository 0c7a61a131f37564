from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_outbox_relay")]

    operations = [
        migrations.AddField(
            model_name="message",
            name="phone_encrypted",
            field=models.TextField(default="", verbose_name="手机号码（密文）"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="message",
            name="phone_hash",
            field=models.CharField(default="", max_length=64, verbose_name="手机号码摘要"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="message",
            name="phone_masked",
            field=models.CharField(default="", max_length=20, verbose_name="手机号码（掩码）"),
            preserve_default=False,
        ),
    ]
