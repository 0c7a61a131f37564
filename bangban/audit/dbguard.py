"""Database-level guard that makes the audit table append-only (migrations 0002/0003, and 0004 for the chain)."""

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


# Migration 0004: the chain. UPDATE is refused except the sealer's: filling both chain columns of an
# unsealed row and changing nothing else. PostgreSQL also refuses TRUNCATE (statement trigger).
CHAIN_COLUMNS = ("seal_seq", "seal_hash")
# Every other column (tests compare this with the model, so a new column cannot slip past the guard).
CONTENT_COLUMNS = (
    "id",
    "at",
    "actor_id",
    "actor_name",
    "institution_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "note",
    "ip",
    "user_agent",
    "path",
)
_SQLITE_SEALING = " AND ".join(
    [
        "OLD.seal_seq IS NULL AND OLD.seal_hash IS NULL AND NEW.seal_seq IS NOT NULL AND NEW.seal_hash IS NOT NULL",
        *(f"NEW.{c} IS OLD.{c}" for c in CONTENT_COLUMNS),
    ]
)
SQLITE_SEALING_UPDATE_TRIGGER = (
    f"CREATE TRIGGER IF NOT EXISTS {SQLITE_UPDATE_TRIGGER_NAME} BEFORE UPDATE ON audit_auditevent "
    f"WHEN NOT ({_SQLITE_SEALING}) "
    "BEGIN SELECT RAISE(ABORT, 'audit trail is append-only: update refused'); END"
)

# A row arrives unsealed: only the sealer gives it a chain position (a forged position would block it).
SQLITE_INSERT_TRIGGER_NAME = "audit_auditevent_insert_unsealed"
SQLITE_INSERT_TRIGGER = (
    f"CREATE TRIGGER IF NOT EXISTS {SQLITE_INSERT_TRIGGER_NAME} BEFORE INSERT ON audit_auditevent "
    "WHEN NEW.seal_seq IS NOT NULL OR NEW.seal_hash IS NOT NULL "
    "BEGIN SELECT RAISE(ABORT, 'audit trail: rows are inserted unsealed'); END"
)

POSTGRES_INSERT_TRIGGER_NAME = "audit_auditevent_insert_unsealed"
POSTGRES_TRUNCATE_TRIGGER_NAME = "audit_auditevent_no_truncate"
POSTGRES_CHAIN_GUARD = f"""
CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.seal_seq IS NULL AND OLD.seal_hash IS NULL
       AND NEW.seal_seq IS NOT NULL AND NEW.seal_hash IS NOT NULL
       AND (to_jsonb(OLD) - 'seal_seq' - 'seal_hash') = (to_jsonb(NEW) - 'seal_seq' - 'seal_hash') THEN
        RETURN NEW;  -- the sealer filling the chain columns, nothing else
    END IF;
    RAISE EXCEPTION 'audit trail is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION audit_auditevent_insert_unsealed() RETURNS trigger AS $$
BEGIN
    IF NEW.seal_seq IS NOT NULL OR NEW.seal_hash IS NOT NULL THEN
        RAISE EXCEPTION 'audit trail: rows are inserted unsealed' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS {POSTGRES_INSERT_TRIGGER_NAME} ON audit_auditevent;
CREATE TRIGGER {POSTGRES_INSERT_TRIGGER_NAME} BEFORE INSERT ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_insert_unsealed();
CREATE OR REPLACE FUNCTION audit_auditevent_no_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit trail is append-only: TRUNCATE refused' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS {POSTGRES_TRUNCATE_TRIGGER_NAME} ON audit_auditevent;
CREATE TRIGGER {POSTGRES_TRUNCATE_TRIGGER_NAME} BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_auditevent_no_truncate();
"""
POSTGRES_CHAIN_UNGUARD = f"""
DROP TRIGGER IF EXISTS {POSTGRES_INSERT_TRIGGER_NAME} ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_auditevent_insert_unsealed();
DROP TRIGGER IF EXISTS {POSTGRES_TRUNCATE_TRIGGER_NAME} ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_auditevent_no_truncate();
"""


def install_chain_guard(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {SQLITE_UPDATE_TRIGGER_NAME}")
        schema_editor.execute(SQLITE_SEALING_UPDATE_TRIGGER)
        schema_editor.execute(SQLITE_DELETE_TRIGGER)
        schema_editor.execute(SQLITE_INSERT_TRIGGER)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_CHAIN_GUARD, None)  # replaces the row trigger's function


def uninstall_chain_guard(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {SQLITE_UPDATE_TRIGGER_NAME}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {SQLITE_INSERT_TRIGGER_NAME}")
        schema_editor.execute(SQLITE_UPDATE_TRIGGER)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_CHAIN_UNGUARD, None)
        schema_editor.execute(POSTGRES_GUARD, None)  # the strict function again
