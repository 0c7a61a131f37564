"""GET /api/v1/exchange/<kind>/: keyset pages, scope, refusals and bad input in Chinese."""

import pytest

from bangban.exchange import mapping

pytestmark = pytest.mark.django_db

URL = "/api/v1/exchange/{}/"


def test_pages_follow_next_until_the_end(org, month, api):
    client = api(org.user("supervisor"))
    r = client.get(URL.format("step"), {"since": "2025-09-01", "until": "2025-09-30", "limit": 3})
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["standard"] == "GB/T 39046-2020" and body["kind_name"] == "办理环节"
    seen = list(body["results"])
    while body["has_more"]:
        body = client.get(body["next"]).json()
        seen += body["results"]
    everything = client.get(URL.format("step"), {"limit": 500}).json()
    assert [s["step_no"] for s in seen] == [s["step_no"] for s in everything["results"]]
    assert len(seen) == len({s["step_no"] for s in seen}) > 3
    assert all(mapping.validate("step", s) == [] for s in seen)
    # Nothing changed since the last cursor: an empty page that keeps the cursor.
    last = client.get(URL.format("step"), {"cursor": body["cursor"]}).json()
    assert last["results"] == [] and last["cursor"] == body["cursor"] and last["next"] is None


def test_scope_is_enforced(org, month, api):
    other = api(org.user("other_admin")).get(URL.format("application")).json()
    assert [r["case_number"] for r in other["results"]] == [month.other_case.number]
    r = api(org.user("town_admin")).get(URL.format("application"), {"institution": org.county.pk})
    assert r.status_code == 404
    r = api(org.user("county_admin")).get(URL.format("application"), {"institution": org.town.pk})
    assert r.status_code == 200 and r.json()["count"] == 3
    r = api(org.user("town_agent")).get(URL.format("application"))
    assert r.status_code == 403 and "导出" in r.json()["message"]
    assert api().get(URL.format("application")).status_code in (401, 403)


@pytest.mark.parametrize(
    "params, field",
    [
        ({"since": "2025-13-01"}, "since"),
        ({"since": "2025-09-30", "until": "2025-09-01"}, "since"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"institution": "abc"}, "institution"),
        ({"cursor": "x" * 65}, "cursor"),
        ({"cursor": "bm90LWEtY3Vyc29y"}, "cursor"),
    ],
)
def test_bad_input_names_the_field(org, api, params, field):
    r = api(org.user("supervisor")).get(URL.format("complaint"), params)
    assert r.status_code == 400, r.json()
    body = r.json()
    assert any(e["field"] == field for e in body["errors"]) or body.get("field") == field, body
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])


def test_an_unknown_kind_is_not_found(org, api):
    r = api(org.user("supervisor")).get(URL.format("passport"))
    assert r.status_code == 404 and r.json()["code"] == "not_found"
