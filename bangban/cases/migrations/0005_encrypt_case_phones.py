"""Encrypt the applicants' phone numbers stored in clear (the clear column goes in 0006)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from bangban.core import crypto

    Case = apps.get_model("cases", "Case")
    last = 0
    while True:
        batch = list(Case.objects.filter(pk__gt=last, phone_encrypted="").order_by("pk")[:1000])
        if not batch:
            break
        for case in batch:
            for name, value in crypto.phone_columns(case.phone).items():
                setattr(case, name, value)
        Case.objects.bulk_update(batch, ["phone_encrypted", "phone_hash", "phone_masked"])
        last = batch[-1].pk


def backwards(apps, schema_editor):
    from bangban.core import crypto

    Case = apps.get_model("cases", "Case")
    for case in Case.objects.exclude(phone_encrypted="").iterator():
        case.phone = crypto.decrypt(case.phone_encrypted)
        case.save(update_fields=["phone"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_case_phone_encrypted_columns")]

    operations = [migrations.RunPython(forwards, backwards)]
