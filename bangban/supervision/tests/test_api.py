"""GET /api/v1/indicators/: validated parameters, scope, the same figures as the selector."""

import pytest

pytestmark = pytest.mark.django_db
URL = "/api/v1/indicators/"
MARCH = {"preset": "range", "start": "2026-03-01", "end": "2026-03-31"}


def cells(row):
    return {c["code"]: c for c in row["indicators"]}


def test_figures_for_the_county(api, org, figures_data):
    r = api(org.user("supervisor")).get(URL, MARCH)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["root"] == org.county.pk and body["start"] == "2026-03-01"
    total = cells(body["total"])
    assert (total["on_time"]["numerator"], total["on_time"]["denominator"]) == (3, 4)
    assert total["on_time"]["display"] == "75.0%" and total["on_time"]["below_target"] is True
    assert total["satisfaction"]["rate"] is None and total["satisfaction"]["display"] == "—"
    assert body["rows"] == []


def test_grouped_by_institution_and_by_a_preset(api, org, figures_data):
    r = api(org.user("supervisor")).get(URL, {"preset": "month", "on": "2026-03-15", "by": "institution"})
    assert r.status_code == 200
    rows = {row["label"]: cells(row) for row in r.json()["rows"]}
    assert rows[org.town.name]["on_time"]["display"] == "66.6%"


def test_scope_station_agent_own_figures_only(api, org, figures_data):
    client = api(org.user("station_agent"))
    own = client.get(URL, MARCH)
    assert own.status_code == 200 and own.json()["root"] == org.station.pk
    assert cells(own.json()["total"])["on_time"]["denominator"] == 1
    for root in (org.town.pk, org.county.pk, org.other_county.pk, 999999):
        assert client.get(URL, MARCH | {"root": root}).status_code == 404
    assert api(org.user("catalog_admin")).get(URL, MARCH).status_code == 403
    assert api().get(URL, MARCH).status_code in (401, 403)


@pytest.mark.parametrize(
    "params,field",
    [
        ({"preset": "decade"}, "preset"),
        ({"preset": "range", "start": "2026-03-01"}, "start"),
        ({"preset": "range", "start": "2026-03-05", "end": "2026-03-01"}, "start"),
        ({"preset": "range", "start": "2020-01-01", "end": "2026-01-01"}, "end"),
        ({"on": "9999-12-31", "preset": "week"}, "on"),
        ({"on": "not-a-date"}, "on"),
        ({"root": "abc"}, "root"),
        ({"root": "-1"}, "root"),
        ({"by": "colour"}, "by"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(api, org, params, field):
    r = api(org.user("supervisor")).get(URL, params)
    assert r.status_code == 400, r.content
    assert field in r.content.decode()


def test_in_the_schema(api, org):
    r = api(org.user("supervisor")).get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert r.status_code == 200
    assert "/api/v1/indicators/" in r.json()["paths"]


def test_the_direct_answer_matches_the_documented_serializer(org, figures_data):
    import datetime as dt

    from bangban.supervision import selectors
    from bangban.supervision.api import IndicatorSetSerializer, indicator_set_data

    figures = selectors.indicator_set(
        user=org.user("supervisor"), root_institution=None,
        start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31), by="institution",
    )  # fmt: skip
    for row in [figures.total, *figures.rows]:
        row.indicators = list(row.cells.values())
    data = indicator_set_data(figures)
    assert data == IndicatorSetSerializer(figures).data


def test_the_answer_is_the_bytes_drfs_json_renderer_writes(api, org, figures_data):
    from rest_framework.renderers import JSONRenderer as DRFRenderer

    for by in ("institution", "agent", "item"):
        r = api(org.user("supervisor")).get(URL, MARCH | {"by": by})
        assert r.status_code == 200 and r["Content-Type"] == "application/json"
        assert r.content == DRFRenderer().render(r.json())
