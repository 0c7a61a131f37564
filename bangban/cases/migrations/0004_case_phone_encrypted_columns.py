from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_id_numbers_sm4")]

    operations = [
        migrations.AddField(
            model_name="case",
            name="phone_encrypted",
            field=models.TextField(default="", verbose_name="联系电话（密文）"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="case",
            name="phone_hash",
            field=models.CharField(default="", max_length=64, verbose_name="联系电话摘要"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="case",
            name="phone_masked",
            field=models.CharField(default="", max_length=20, verbose_name="联系电话（掩码）"),
            preserve_default=False,
        ),
    ]
