"""Encrypt the phone numbers of the SMS outbox stored in clear (the clear column goes in 0006)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from bangban.core import crypto

    Message = apps.get_model("notifications", "Message")
    last = 0
    while True:
        batch = list(Message.objects.filter(pk__gt=last, phone_encrypted="").order_by("pk")[:1000])
        if not batch:
            break
        for message in batch:
            for name, value in crypto.phone_columns(message.phone).items():
                setattr(message, name, value)
        Message.objects.bulk_update(batch, ["phone_encrypted", "phone_hash", "phone_masked"])
        last = batch[-1].pk


def backwards(apps, schema_editor):
    from bangban.core import crypto

    Message = apps.get_model("notifications", "Message")
    for message in Message.objects.exclude(phone_encrypted="").iterator():
        message.phone = crypto.decrypt(message.phone_encrypted)
        message.save(update_fields=["phone"])


class Migration(migrations.Migration):
    dependencies = [("notifications", "0004_message_phone_encrypted_columns")]

    operations = [migrations.RunPython(forwards, backwards)]
