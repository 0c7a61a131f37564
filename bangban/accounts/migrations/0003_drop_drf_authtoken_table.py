"""DRF's authtoken table held API tokens in plaintext; accounts.ApiToken (hashed) replaces it.

Existing integrations need a new token (「API 令牌」 page or /api/v1/tokens/)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_login_failures_per_client_and_api_tokens")]

    operations = [migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", reverse_sql=migrations.RunSQL.noop)]
