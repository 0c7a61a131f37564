"""The database refuses to UPDATE a review (migration 0002), beside the model guard and the absence of
any update service or API. DELETE is left to PROTECT foreign keys and the missing delete paths (the
test database's flush must still empty the table)."""

SQLITE = (
    "CREATE TRIGGER IF NOT EXISTS evaluations_review_no_update BEFORE UPDATE ON evaluations_review "
    "BEGIN SELECT RAISE(ABORT, 'a review cannot be altered: update refused'); END"
)
SQLITE_DROP = "DROP TRIGGER IF EXISTS evaluations_review_no_update"

POSTGRES = """
CREATE OR REPLACE FUNCTION evaluations_review_no_update() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'a review cannot be altered: update refused' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS evaluations_review_no_update ON evaluations_review;
CREATE TRIGGER evaluations_review_no_update BEFORE UPDATE ON evaluations_review
    FOR EACH ROW EXECUTE FUNCTION evaluations_review_no_update();
"""
POSTGRES_DROP = """
DROP TRIGGER IF EXISTS evaluations_review_no_update ON evaluations_review;
DROP FUNCTION IF EXISTS evaluations_review_no_update();
"""


def install(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES, None)


def uninstall(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP, None)
