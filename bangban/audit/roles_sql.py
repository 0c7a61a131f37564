"""The PostgreSQL grants for the app's runtime role (docs/deployment-database.md).

Migrations run as the owner of the tables; the app runs as a role that owns nothing, so it can
neither disable the audit table's triggers nor truncate it. On the audit table it may only
INSERT and SELECT, and UPDATE the two chain columns (the trigger still refuses anything but the
sealer's one update of an unsealed row).
"""

from __future__ import annotations

from django.apps import apps
from django.db import connection

from bangban.audit.dbguard import CHAIN_COLUMNS
from bangban.audit.models import AuditChainHead, AuditEvent


def runtime_role_sql(role: str) -> list[str]:
    """Statements, run as the owner after each `migrate`, that give `role` what the app needs."""
    q = connection.ops.quote_name
    audit, head = AuditEvent._meta.db_table, AuditChainHead._meta.db_table
    tables = sorted(
        {m._meta.db_table for m in apps.get_models(include_auto_created=True) if m._meta.managed}
        - {audit, head}
    )
    r = q(role)
    sql = [f"GRANT USAGE ON SCHEMA public TO {r}"]
    sql += [f"GRANT SELECT, INSERT, UPDATE, DELETE ON {q(t)} TO {r}" for t in tables]
    sql += [
        f"GRANT SELECT ON {q('django_migrations')} TO {r}",
        f"REVOKE ALL ON {q(audit)} FROM {r}",
        f"GRANT SELECT, INSERT ON {q(audit)} TO {r}",
        f"GRANT UPDATE ({', '.join(CHAIN_COLUMNS)}) ON {q(audit)} TO {r}",
        f"REVOKE ALL ON {q(head)} FROM {r}",
        f"GRANT SELECT, INSERT, UPDATE ON {q(head)} TO {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}",
    ]
    return sql
