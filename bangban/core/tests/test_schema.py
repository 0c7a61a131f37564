"""The OpenAPI schema is true and complete: limits, Chinese field names and error answers documented."""

import re

import pytest

from bangban.core.schema_view import openapi_document

HAN = re.compile(r"[\u4e00-\u9fff]")
UNBOUNDED_FORMATS = {"date", "date-time", "time", "binary", "uri", "uuid", "email", "decimal"}


def schema() -> dict:
    return openapi_document()


def _resolve(node: dict) -> dict:
    while "$ref" in node:
        node = schema()["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _request_properties(node: dict, path: str, seen: set):
    """(path, property schema) for every writable property of a request body, nested included."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return
        seen = seen | {name}
        node = _resolve(node)
    for key in ("allOf", "oneOf", "anyOf"):
        for part in node.get(key, []):
            yield from _request_properties(part, path, seen)
    for name, prop in node.get("properties", {}).items():
        if prop.get("readOnly"):
            continue
        yield f"{path}.{name}", prop
        yield from _request_properties(prop, f"{path}.{name}", seen)
    if "items" in node:
        yield from _request_properties(node["items"], f"{path}[]", seen)


def _operations():
    for url, ops in schema()["paths"].items():
        for method, op in ops.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield url, method, op


def _body_properties():
    for url, method, op in _operations():
        for content in op.get("requestBody", {}).get("content", {}).values():
            yield from _request_properties(content["schema"], f"{method.upper()} {url}", frozenset())


def test_every_written_text_has_a_documented_maximum_length():
    missing = sorted(
        {
            path
            for path, prop in _body_properties()
            if prop.get("type") == "string"
            and "enum" not in prop
            and "pattern" not in prop
            and prop.get("format") not in UNBOUNDED_FORMATS
            and "maxLength" not in prop
        }
    )
    assert missing == []


def test_every_written_field_has_a_chinese_name():
    unnamed = sorted(
        {
            path
            for path, prop in _body_properties()
            if "$ref" not in prop and not HAN.search(prop.get("title", ""))
        }
    )
    assert unnamed == []


@pytest.mark.parametrize("status", ["400", "401", "403", "404", "429"])
def test_every_operation_documents_its_error_answers(status):
    undocumented = [f"{m} {u}" for u, m, op in _operations() if status not in op["responses"]]
    assert undocumented == []
    error = _resolve(
        schema()["paths"]["/api/v1/cases/"]["get"]["responses"][status]["content"]["application/json"][
            "schema"
        ]
    )
    assert set(error["required"]) == {"code", "message"}


def test_values_that_can_be_null_or_blank_are_described_so():
    components = schema()["components"]["schemas"]
    assert components["Staff"]["properties"]["department_name"].get("nullable") is True
    assert components["CaseList"]["properties"]["agent_name"].get("nullable") is True
    assert "format" not in components["Staff"]["properties"]["email"]  # "" is a valid value


def test_lists_that_are_not_paginated_are_typed_as_plain_lists():
    ok = schema()["paths"]["/api/v1/catalog/items/{id}/versions/"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"]["type"] == "array"


def test_audit_filters_are_documented():
    operation = schema()["paths"]["/api/v1/audit-events/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {
        "actor",
        "action",
        "institution",
        "from",
        "to",
        "object_type",
        "object_id",
        "text",
        "cursor",
    } <= names


def test_the_served_schema_is_generated_once_per_process(client, monkeypatch):
    """/api/v1/schema/ is public and generating it costs seconds of CPU: it is built once and kept,
    without any request, so every caller is served the same document."""
    from drf_spectacular.generators import SchemaGenerator

    from bangban.core import schema_view as schema_module

    calls = []
    generate = SchemaGenerator.get_schema

    def counting(self, request=None, public=False):
        calls.append(request)
        return generate(self, request=request, public=public)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counting)
    monkeypatch.setattr(schema_module, "_documents", {})
    first = client.get("/api/v1/schema/", {"format": "json"})
    second = client.get("/api/v1/schema/", {"format": "json"}, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    # What a client puts in the query cannot make it generate (and keep) another copy.
    for query in (
        {"lang": "xx-made-up"},
        {"lang": "en"},
        {"version": "v9"},
        {"lang": "zh-hans", "version": "1"},
    ):
        again = client.get("/api/v1/schema/", {"format": "json", **query})
        assert again.status_code == 200 and again.content == first.content, query
    assert calls == [None] and len(schema_module._documents) == 1
    assert first.json()["paths"].keys() == schema()["paths"].keys()
