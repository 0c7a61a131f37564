"""Ids in URLs: only digits that fit a bigint reach a view; anything else is a plain 404.

A view that receives "null" or a 30-digit number and hands it to the ORM or to a raw statement
raises (ValueError, OverflowError, DataError) and answers 500. Bounding the URL itself keeps every
view, page and API alike, free of that check: `<id:pk>` in path() and the API router's lookup
regex accept 1–18 digits (every value below 10^18 fits PostgreSQL's bigint).
"""

from __future__ import annotations

import functools
import re

from django.urls import get_script_prefix, register_converter, reverse
from rest_framework.routers import DefaultRouter

ID_REGEX = r"[0-9]{1,18}"


class IdConverter:
    regex = ID_REGEX

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


register_converter(IdConverter, "id")


class Router(DefaultRouter):
    """DefaultRouter whose detail routes accept only ids of 1–18 digits (unless a viewset says otherwise).

    Every lookup in this API is a bigint primary key or a digit code (division codes: 2–12 digits).
    """

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        if getattr(viewset, "lookup_value_regex", None) is None:
            lookup_field = getattr(viewset, "lookup_field", "pk")
            lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
            return f"(?P<{lookup_prefix}{lookup_url_kwarg}>{ID_REGEX})"
        return super().get_lookup_regex(viewset, lookup_prefix)


def parse_id(value) -> int | None:
    """An id posted in a form or query string (1–18 digits), or None for anything else."""
    value = (value or "").strip() if isinstance(value, str) else value
    if isinstance(value, str) and re.fullmatch(ID_REGEX, value):
        return int(value)
    return None


_PLACEHOLDER = 987654321


@functools.lru_cache(maxsize=64)
def _id_url_parts(name: str, prefix: str) -> tuple[str, str]:
    head, _, tail = reverse(name, args=[_PLACEHOLDER]).partition(str(_PLACEHOLDER))
    return head, tail


def id_url(name: str, pk: int) -> str:
    """reverse(name, args=[pk]) for a URL whose one argument is an id, resolved once per script
    prefix: a list of rows links each row (reverse costs ~20 µs a call, this ~1)."""
    head, tail = _id_url_parts(name, get_script_prefix())
    return f"{head}{int(pk)}{tail}"
