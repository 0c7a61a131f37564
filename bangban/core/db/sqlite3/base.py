"""SQLite backend that keeps the audit trail append-only at the database level.

The audit table carries BEFORE UPDATE / BEFORE DELETE triggers (audit migration 0002).
Django's flush (used between transactional tests and by `bangban flush`) empties tables
with DELETE on SQLite, which those triggers would refuse; this backend drops the delete
trigger around the flush and recreates it. PostgreSQL flushes with TRUNCATE, which the
row triggers do not see, so it needs no such help.

It also queues a process's write transactions on a lock of its own (see DatabaseWrapper).
"""

import threading

from django.db.backends.sqlite3 import base, operations

from bangban.audit.dbguard import SQLITE_DELETE_TRIGGER, SQLITE_DELETE_TRIGGER_NAME


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        sql = super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        if "audit_auditevent" in tables:
            sql = [f"DROP TRIGGER IF EXISTS {SQLITE_DELETE_TRIGGER_NAME}", *sql, SQLITE_DELETE_TRIGGER]
        return sql


# One writer at a time per process. SQLite has one write lock per database file, taken at BEGIN
# IMMEDIATE; a connection that finds it taken sleeps in SQLite's busy handler (1, 2, 5 … 100 ms, then
# 100 ms steps) and tries again, so with a hundred server threads the lock sat free between sleeps
# while writers queued for seconds (remote bench: 200 callers, 255 signals in 20 s, p99 19 s). Threads
# of one process now queue on this lock, handed over at once; only the processes meet at SQLite's.
_write_lock = threading.Lock()


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    _holds_write_lock = False

    def _start_transaction_under_autocommit(self):
        # Bounded by the busy timeout: past it, BEGIN meets SQLite's own wait as before (a thread of
        # a test holding a transaction open cannot stall another forever).
        self._holds_write_lock = _write_lock.acquire(timeout=self.settings_dict["OPTIONS"].get("timeout", 5))
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_write_lock()
            raise

    def _release_write_lock(self):
        if self._holds_write_lock:
            self._holds_write_lock = False
            _write_lock.release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_write_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_write_lock()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_write_lock()
