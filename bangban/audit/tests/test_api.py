"""GET /api/v1/audit-events/: the page's filters and rules, keyset links, errors in the API's format."""

import pytest

from bangban.audit.paging import PAGE_SIZE
from bangban.audit.tests.factories import audit_rows

pytestmark = pytest.mark.django_db


def test_next_and_previous_walk_the_rows_keeping_the_filters(org, api):
    audit_rows(PAGE_SIZE + 3, institution=org.station, action="cases.case.start", object_repr="站")
    audit_rows(2, institution=org.station, action="auth.login")
    client = api(org.user("town_admin"))
    first = client.get(
        "/api/v1/audit-events/", {"action": "cases.case", "institution": org.station.pk}
    ).json()
    assert set(first) == {"next", "previous", "results"}  # no count
    assert len(first["results"]) == PAGE_SIZE and first["previous"] is None
    assert "action=cases.case" in first["next"] and f"institution={org.station.pk}" in first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 3 and second["next"] is None
    assert {r["action"] for r in first["results"] + second["results"]} == {"cases.case.start"}
    ids = [r["id"] for r in first["results"] + second["results"]]
    assert len(set(ids)) == PAGE_SIZE + 3
    back = client.get(second["previous"]).json()
    assert [r["id"] for r in back["results"]] == [r["id"] for r in first["results"]]


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ({"from": "2024-13-01"}, "from", "invalid"),
        ({"to": "9999-12-31"}, "to", "out_of_range"),
        ({"action": "nope"}, "action", "invalid_choice"),
        ({"actor": "x" * 151}, "actor", "max_length"),
        ({"institution": "99999999999999999999999"}, "institution", "max_length"),
        ({"institution": "12345678"}, "institution", "invalid_choice"),
        ({"object_id": "1"}, "object_type", "required_with"),
        ({"text": "王"}, "text", "range_required"),
        ({"cursor": "!!"}, "cursor", "invalid_cursor"),
        ({"cursor": "Yi4wMS4x"}, "cursor", "invalid_cursor"),  # "b.01.1": not as a cursor is written
    ],
)
def test_bad_filters_answer_400_naming_the_field(org, api, query, field, code):
    response = api(org.user("county_admin")).get("/api/v1/audit-events/", query)
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"][0]["field"] == field and body["errors"][0]["code"] == code, body
    label = {"from": "起始日期", "to": "截止日期", "action": "操作", "actor": "操作人", "institution": "机构"}
    label |= {"object_type": "对象类型", "text": "对象 / 说明 / IP", "cursor": "翻页位置"}
    assert f"「{label[field]}」" in body["message"], body


def test_an_institution_outside_the_scope_is_refused_like_a_missing_one(org, api):
    client = api(org.user("town_admin"))
    outside = client.get("/api/v1/audit-events/", {"institution": org.county.pk}).json()
    missing = client.get("/api/v1/audit-events/", {"institution": 987654321}).json()
    assert outside["message"] == missing["message"]


def test_the_old_page_parameter_is_ignored(org, api):
    response = api(org.user("county_admin")).get("/api/v1/audit-events/", {"page": "99999999999999999999"})
    assert response.status_code == 200 and response.json()["previous"] is None


def test_the_api_applies_the_same_scope(org, api):
    audit_rows(1, institution=org.other_county, object_repr="别的县")
    audit_rows(1, object_repr="无机构")
    seen = {
        r["object_repr"] for r in api(org.user("county_admin")).get("/api/v1/audit-events/").json()["results"]
    }
    assert "别的县" not in seen and "无机构" not in seen
    seen = {
        r["object_repr"] for r in api(org.user("sysadmin")).get("/api/v1/audit-events/").json()["results"]
    }
    assert "无机构" in seen and "别的县" not in seen


@pytest.mark.django_db(transaction=True)
def test_a_search_the_database_cannot_finish_in_time_answers_400_with_advice(org, api, monkeypatch):
    from django.db import connection
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    from bangban.audit import api as audit_api
    from bangban.audit import paging, selectors

    if connection.vendor != "postgresql":
        pytest.skip("statement timeouts are PostgreSQL's")
    audit_rows(3, institution=org.town)
    monkeypatch.setattr(
        audit_api,
        "audit_list",
        lambda **kw: selectors.audit_list(**kw).filter(
            RawSQL("pg_sleep(0.2) IS NOT NULL", [], BooleanField())
        ),
    )
    monkeypatch.setattr(paging, "TIME_LIMIT_MS", 50)
    response = api(org.user("county_admin")).get("/api/v1/audit-events/")
    assert response.status_code == 400
    assert response.json()["code"] == "search_too_broad" and "请缩小范围" in response.json()["message"]
