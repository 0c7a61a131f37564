"""SQLite backend that keeps the audit trail append-only at the database level.

The audit table carries BEFORE UPDATE / BEFORE DELETE triggers (audit migration 0002).
Django's flush (used between transactional tests and by `bangban flush`) empties tables
with DELETE on SQLite, which those triggers would refuse; this backend drops the delete
trigger around the flush and recreates it. PostgreSQL flushes with TRUNCATE, which the
row triggers do not see, so it needs no such help.
"""

from django.db.backends.sqlite3 import base, operations

from bangban.audit.dbguard import SQLITE_DELETE_TRIGGER, SQLITE_DELETE_TRIGGER_NAME


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        sql = super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        if "audit_auditevent" in tables:
            sql = [f"DROP TRIGGER IF EXISTS {SQLITE_DELETE_TRIGGER_NAME}", *sql, SQLITE_DELETE_TRIGGER]
        return sql


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
