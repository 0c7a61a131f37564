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

from django.db import connection
from django.db.models import Model


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


@functools.cache
def _insert_fields(model: type[Model], vendor: str):
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return fields, head, row


def insert_rows(objs: list[Model]) -> None:
    """INSERT instances of one model (auto primary key) in one statement; their pks stay unset."""
    if not objs:
        return
    model = type(objs[0])
    fields, head, row = _insert_fields(model, connection.vendor)
    params = []
    for obj in objs:
        if type(obj) is not model:
            raise TypeError("insert_rows takes instances of one model")
        obj._prepare_related_fields_for_save(operation_name="insert_rows")
        params.extend(f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(head + ", ".join([row] * len(objs)), params)
