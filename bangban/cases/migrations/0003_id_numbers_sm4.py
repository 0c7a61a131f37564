"""Applicants' ID numbers: from Fernet / HMAC-SHA256 to SM4-GCM / HMAC-SM3 (core.crypto).

Re-encrypts every value under the newest key and recomputes its lookup hash (searches by ID number
use HMAC-SM3 from now on). Needs the keys that wrote the old values: keep the old Fernet key in
BANGBAN_FIELD_KEYS, after the new SM4 key, until this has run.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from bangban.core.reencrypt import reencrypt_table

    reencrypt_table(apps.get_model("cases", "Case"), {"applicant_id_encrypted": "applicant_id_hash"})


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_prune_covered_indexes")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
