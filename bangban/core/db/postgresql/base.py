"""PostgreSQL backend that lets Django's flush past the audit table's TRUNCATE trigger.

The audit table refuses TRUNCATE (audit migration 0004). Django's flush (between transactional
tests, `bangban flush`) empties tables with one TRUNCATE; this backend disables that one trigger
around it, which only the table owner can do — the same owner who could disable it by hand. The
app's runtime role owns no table (docs/deployment-database.md), so it can do neither.
"""

from django.db.backends.postgresql import base, operations

from bangban.audit.dbguard import POSTGRES_TRUNCATE_TRIGGER_NAME

TABLE = "audit_auditevent"


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        sql = super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        if TABLE in tables and sql:
            sql = [
                f"ALTER TABLE {TABLE} DISABLE TRIGGER {POSTGRES_TRUNCATE_TRIGGER_NAME}",
                *sql,
                f"ALTER TABLE {TABLE} ENABLE TRIGGER {POSTGRES_TRUNCATE_TRIGGER_NAME}",
            ]
        return sql


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
