"""Database-level guard that makes the audit table append-only (used by migration 0002)."""

SQLITE_UPDATE_TRIGGER_NAME = "audit_auditevent_no_update"
SQLITE_DELETE_TRIGGER_NAME = "audit_auditevent_no_delete"

SQLITE_UPDATE_TRIGGER = (
    f"CREATE TRIGGER IF NOT EXISTS {SQLITE_UPDATE_TRIGGER_NAME} BEFORE UPDATE ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit trail is append-only: update refused'); END"
)
SQLITE_DELETE_TRIGGER = (
    f"CREATE TRIGGER IF NOT EXISTS {SQLITE_DELETE_TRIGGER_NAME} BEFORE DELETE ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit trail is append-only: delete refused'); END"
)

POSTGRES_GUARD = """
CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit trail is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;
CREATE TRIGGER audit_auditevent_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_append_only();
"""

POSTGRES_UNGUARD = """
DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_auditevent_append_only();
"""


def install(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_UPDATE_TRIGGER)
        schema_editor.execute(SQLITE_DELETE_TRIGGER)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_GUARD, None)


def uninstall(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {SQLITE_UPDATE_TRIGGER_NAME}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {SQLITE_DELETE_TRIGGER_NAME}")
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_UNGUARD, None)
