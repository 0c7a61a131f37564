"""Database-level guard: a published version (and its materials and legal bases) is never updated in place.

The models refuse it first (ItemVersion.save / _FrozenChild); these triggers refuse it underneath,
for raw SQL and queryset.update(). Only `valid_to` (and `updated_at`) of a published version may
change, when an approved adjustment closes it. Deletes are guarded by the models only: Django's
SQLite flush between tests deletes rows one table at a time.
"""

# Columns of catalog_itemversion that may change after publication.
MUTABLE = ("valid_to", "updated_at")

# Frozen columns, as of migration 0002 (a later migration that adds columns re-installs the guard).
FROZEN = [
    "item_id", "number", "state", "adjustment_id", "based_on_id", "valid_from", "is_suspended", "name",
    "item_type", "public_domain", "basic_code", "implementation_code", "main_basic_code", "main_item_name",
    "competent_department", "department_id", "level", "handling_tiers", "help_tiers", "agency_tiers",
    "statutory_days", "promised_days", "is_immediate", "charges_fee", "fee_amount", "fee_basis",
    "channel_window", "channel_online", "channel_mail", "tags", "conditions", "procedure", "result_name",
    "location", "consult_phone", "published_at", "published_by_id", "created_by_id", "created_at",
]  # fmt: skip

# Migration 0005 added the derived pinyin initials of the name, frozen with it.
FROZEN_0005 = [*FROZEN, "name_initials"]

# Migration 0006 added the 办事指南 elements and their completeness flag (issue 11).
FROZEN_0006 = [
    *FROZEN_0005, "service_objects", "visits", "online_depth", "intermediary", "quantity_limit",
    "delivery_methods", "complaint_phone", "not_applicable", "guide_complete",
]  # fmt: skip

MESSAGE = "published catalog version is frozen: update refused"
CHILDREN = ("catalog_material", "catalog_legalbasis")
# Migration 0006: fee items and places of a version are frozen with it too.
CHILDREN_0006 = (*CHILDREN, "catalog_feeitem", "catalog_serviceplace")


def _sqlite_statements(frozen: list[str], children=CHILDREN) -> list[str]:
    changed = " OR ".join(f'NEW."{c}" IS NOT OLD."{c}"' for c in frozen)
    out = [
        "CREATE TRIGGER IF NOT EXISTS catalog_itemversion_frozen BEFORE UPDATE ON catalog_itemversion "
        f"WHEN OLD.state = 'published' AND ({changed}) "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    ]
    for table in children:
        out.append(
            f"CREATE TRIGGER IF NOT EXISTS {table}_frozen BEFORE UPDATE ON {table} "
            "WHEN (SELECT state FROM catalog_itemversion WHERE id = OLD.version_id) = 'published' "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )
    return out


POSTGRES_GUARD = f"""
CREATE OR REPLACE FUNCTION catalog_itemversion_frozen() RETURNS trigger AS $$
BEGIN
    IF OLD.state = 'published' AND
       (to_jsonb(NEW) - 'valid_to' - 'updated_at') IS DISTINCT FROM (to_jsonb(OLD) - 'valid_to' - 'updated_at') THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS catalog_itemversion_frozen ON catalog_itemversion;
CREATE TRIGGER catalog_itemversion_frozen BEFORE UPDATE ON catalog_itemversion
    FOR EACH ROW EXECUTE FUNCTION catalog_itemversion_frozen();

CREATE OR REPLACE FUNCTION catalog_child_frozen() RETURNS trigger AS $$
BEGIN
    IF (SELECT state FROM catalog_itemversion WHERE id = OLD.version_id) = 'published' THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS catalog_material_frozen ON catalog_material;
CREATE TRIGGER catalog_material_frozen BEFORE UPDATE ON catalog_material
    FOR EACH ROW EXECUTE FUNCTION catalog_child_frozen();
DROP TRIGGER IF EXISTS catalog_legalbasis_frozen ON catalog_legalbasis;
CREATE TRIGGER catalog_legalbasis_frozen BEFORE UPDATE ON catalog_legalbasis
    FOR EACH ROW EXECUTE FUNCTION catalog_child_frozen();
"""

POSTGRES_UNGUARD = """
DROP TRIGGER IF EXISTS catalog_itemversion_frozen ON catalog_itemversion;
DROP TRIGGER IF EXISTS catalog_material_frozen ON catalog_material;
DROP TRIGGER IF EXISTS catalog_legalbasis_frozen ON catalog_legalbasis;
DROP FUNCTION IF EXISTS catalog_itemversion_frozen();
DROP FUNCTION IF EXISTS catalog_child_frozen();
"""


def _postgres_child(table: str, drop: bool = False) -> str:
    sql = f"DROP TRIGGER IF EXISTS {table}_frozen ON {table};"
    if not drop:
        sql += (
            f" CREATE TRIGGER {table}_frozen BEFORE UPDATE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION catalog_child_frozen();"
        )
    return sql


def install(schema_editor, frozen: list[str] = FROZEN, children=CHILDREN) -> None:
    """`frozen`, `children`: the columns and child tables as of the calling migration (PostgreSQL's
    guard compares whole rows)."""
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in _sqlite_statements(frozen, children):
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_GUARD, None)
        for table in children:
            if table not in CHILDREN:
                schema_editor.execute(_postgres_child(table), None)


def uninstall(schema_editor, children=CHILDREN) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for name in ("catalog_itemversion_frozen", *(f"{t}_frozen" for t in children)):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif vendor == "postgresql":
        for table in children:
            if table not in CHILDREN:
                schema_editor.execute(_postgres_child(table, drop=True), None)
        schema_editor.execute(POSTGRES_UNGUARD, None)
