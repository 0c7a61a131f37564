"""Hand-written SQL for the few hot paths, with the ORM's own per-field conversions.

`Selection` names a model's columns for a SELECT and turns a result row back into an instance the
way the ORM would (the backend's and the field's value converters, e.g. SQLite's integers into
booleans). `insert_rows` writes model instances with one multi-row INSERT, running each field's
`pre_save` (auto_now, defaults already set by the constructor) and `get_db_prep_save` like
`Model.save` does, without the query compiler. Everything else uses the ORM.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.db import connection, models
from django.db.models import Model


def placeholders(n: int) -> str:
    """ "%s, %s, …" for n values (an IN list, a row of VALUES)."""
    return ", ".join(["%s"] * n)


@dataclass(frozen=True)
class Selection:
    model: type[Model]
    names: tuple[str, ...]  # attribute names
    sql: str  # "alias"."column", … in the same order
    converters: tuple

    def instance(self, values) -> Model | None:
        """An instance from `values` (this selection's columns); None when the primary key is NULL
        (no row on that side of an outer join)."""
        if values[0] is None:
            return None
        converted = []
        for value, chain in zip(values, self.converters, strict=True):
            for converter, col in chain:
                value = converter(value, col, connection)
            converted.append(value)
        return self.model.from_db(connection.alias, list(self.names), converted)


@functools.cache
def _selection(model: type[Model], alias: str, attnames: tuple[str, ...] | None, vendor: str) -> Selection:
    # Model.from_db takes a partial row in the model's field order, so the columns follow it.
    fields = [
        f for f in model._meta.concrete_fields if attnames is None or f.primary_key or f.attname in attnames
    ]
    if not fields[0].primary_key:
        raise ValueError("the primary key must be the model's first field")
    quote = connection.ops.quote_name
    converters = []
    for field in fields:
        col = field.get_col(alias)
        chain = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
        converters.append(tuple((c, col) for c in chain))
    return Selection(
        model=model,
        names=tuple(f.attname for f in fields),
        sql=", ".join(f"{alias}.{quote(f.column)}" for f in fields),
        converters=tuple(converters),
    )


def selection(model: type[Model], alias: str, attnames: tuple[str, ...] | None = None) -> Selection:
    """The primary key and `attnames` (default: every concrete field), in the model's field order."""
    return _selection(model, alias, attnames, connection.vendor)


# Values these field classes store unchanged (their get_db_prep_save is the identity for them);
# any other value or field class goes through Django's own preparation.
_PLAIN = {
    models.CharField: str,
    models.TextField: str,
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.SmallIntegerField: int,
    models.BigAutoField: int,
    models.AutoField: int,
    models.BooleanField: bool,
}


def _preparer(field):
    """A function obj -> database value, equal to field.get_db_prep_save(field.pre_save(obj, True))."""
    attname = field.attname
    own_pre_save = type(field).pre_save is not models.Field.pre_save  # auto_now, auto_now_add, …
    target = field.target_field if field.is_relation else field
    plain = (
        _PLAIN.get(type(target)) if type(target).get_db_prep_save is models.Field.get_db_prep_save else None
    )

    def prepare(obj):
        value = field.pre_save(obj, True) if own_pre_save else getattr(obj, attname)
        if value is None or (plain is not None and type(value) is plain):
            return value
        return field.get_db_prep_save(value, connection)

    return prepare


@functools.cache
def _insert_fields(model: type[Model], vendor: str, with_pk: bool):
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    quote = connection.ops.quote_name
    columns = [quote(f.column) for f in fields]
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(columns)}) VALUES "
    return [_preparer(f) for f in fields], head, f"({placeholders(len(fields))})", columns


def insert_parts(obj: Model) -> tuple[str, list[str], list]:
    """One instance's INSERT as insert_rows prepares it, in pieces: the quoted table, the quoted
    columns and their values (an unset auto primary key left out), for a statement that writes the
    row its own way (INSERT … SELECT from a WITH clause)."""
    model = type(obj)
    preparers, _head, _row, columns = _insert_fields(model, connection.vendor, obj.pk is not None)
    obj._prepare_related_fields_for_save(operation_name="insert_parts")
    return (
        connection.ops.quote_name(model._meta.db_table),
        list(columns),
        [prepare(obj) for prepare in preparers],
    )


def _insert_sql(objs: list[Model], numbered_from: int | None = None) -> tuple[str, list]:
    """The INSERT and its parameters; placeholders are %s, or $n from `numbered_from` (PostgreSQL's
    own syntax, which the driver passes on without parsing the statement)."""
    model = type(objs[0])
    with_pk = objs[0].pk is not None  # a primary key taken from the sequence beforehand
    preparers, head, row, _columns = _insert_fields(model, connection.vendor, with_pk)
    params = []
    for obj in objs:
        if type(obj) is not model or (obj.pk is not None) != with_pk:
            raise TypeError("insert_rows takes instances of one model, all with or all without a primary key")
        obj._prepare_related_fields_for_save(operation_name="insert_rows")
        params.extend(prepare(obj) for prepare in preparers)
    if numbered_from is None:
        return head + ", ".join([row] * len(objs)), params
    width, n = len(preparers), numbered_from
    rows = []
    for _obj in objs:
        rows.append("(" + ", ".join(f"${i}" for i in range(n, n + width)) + ")")
        n += width
    return head + ", ".join(rows), params


def insert_rows(objs: list[Model]) -> None:
    """INSERT instances of one model in one statement; an unset auto primary key stays unset."""
    if objs:
        insert_groups([objs])


@dataclass
class PreparedInsert:
    """insert_groups' statement(s) and parameters, built ahead of executing them (see substitute)."""

    statements: list[tuple[str, list]]
    returning_pk: bool
    raw: bool  # PostgreSQL: one statement with $n placeholders through a raw cursor

    def substitute(self, slot: str, value: str) -> None:
        """Replace `slot` inside every text parameter: for values known only at the last moment
        (a number allocated under a lock) while the rest was prepared before taking it."""
        for _sql, params in self.statements:
            for i, param in enumerate(params):
                if type(param) is str and slot in param:
                    params[i] = param.replace(slot, value)

    def execute(self):
        if self.raw:
            import psycopg

            ((sql, params),) = self.statements
            connection.ensure_connection()
            with psycopg.RawCursor(connection.connection) as cursor:
                cursor.execute(sql, params)
                return cursor.fetchone()[0] if self.returning_pk else None
        with connection.cursor() as cursor:
            for sql, params in self.statements:
                cursor.execute(sql, params)
            return cursor.fetchone()[0] if self.returning_pk else None


def prepare_insert(groups: list[list[Model]], *, returning_pk: bool = False) -> PreparedInsert | None:
    """insert_groups without executing: PostgreSQL gets one statement (each group an INSERT in a WITH
    clause; foreign keys are checked at commit, so their order does not matter), written with $n
    placeholders for a raw cursor, since the driver would re-parse a statement this long on every
    call; SQLite one statement per group. With returning_pk, execute() returns the primary key of
    the last group's (single) row."""
    groups = [objs for objs in groups if objs]
    if not groups:
        return None
    returning = ""
    if returning_pk:
        returning = f" RETURNING {connection.ops.quote_name(type(groups[-1][0])._meta.pk.column)}"
    if connection.vendor != "postgresql":
        statements = [_insert_sql(objs) for objs in groups]
        sql, params = statements[-1]
        statements[-1] = (sql + returning, params)
        return PreparedInsert(statements, returning_pk, raw=False)
    parts, params, n = [], [], 1
    for objs in groups:
        sql, group_params = _insert_sql(objs, numbered_from=n)
        parts.append(sql)
        params.extend(group_params)
        n += len(group_params)
    *first, last = parts
    sql = ("WITH " + ", ".join(f"w{i} AS ({s})" for i, s in enumerate(first)) + " " if first else "") + last
    return PreparedInsert([(sql + returning, params)], returning_pk, raw=True)


def insert_groups(groups: list[list[Model]], *, returning_pk: bool = False):
    """Insert several models' instances at once (see prepare_insert)."""
    prepared = prepare_insert(groups, returning_pk=returning_pk)
    return prepared.execute() if prepared is not None else None


def insert_unless_exists(obj: Model, unique_field: str) -> bool:
    """INSERT … ON CONFLICT (unique_field) DO NOTHING RETURNING pk: one statement, safe against a
    concurrent insert of the same value. True (and the pk set) when this call inserted the row."""
    quote = connection.ops.quote_name
    sql, params = _insert_sql([obj])
    model = type(obj)
    column = model._meta.get_field(unique_field).column
    with connection.cursor() as cursor:
        cursor.execute(
            f"{sql} ON CONFLICT ({quote(column)}) DO NOTHING RETURNING {quote(model._meta.pk.column)}", params
        )
        row = cursor.fetchone()
    if row is None:
        return False
    obj.pk, obj._state.adding = row[0], False
    return True


def next_id(model: type[Model]) -> int:
    """The next value of the model's id sequence (PostgreSQL), to write related rows in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s))", [model._meta.db_table, model._meta.pk.column]
        )
        return cursor.fetchone()[0]
