import pytest

from bangban.training.models import Session

pytestmark = pytest.mark.django_db


def test_course_and_session_through_the_api(org, api):
    admin = api(org.user("county_admin"))
    r = admin.post("/api/v1/training/courses/", {"title": "代办不包办专题", "hours": "3.5"}, format="json")
    assert r.status_code == 201, r.json()
    course = r.json()
    body = {
        "course": course["id"],
        "held_on": "2025-04-02",
        "place": "区中心",
        "trainer": "王老师",
        "attendees": [
            {"user": org.user("station_agent").pk, "score": 92},
            {"user": org.user("town_agent").pk, "attended": False},
        ],
    }
    r = admin.post("/api/v1/training/sessions/", body, format="json")
    assert r.status_code == 201, r.json()
    got = {a["user"]: (a["attended"], a["hours"], a["score"]) for a in r.json()["attendances"]}
    assert got == {
        org.user("station_agent").pk: (True, "3.5", 92),
        org.user("town_agent").pk: (False, "0.0", None),
    }
    r = admin.get("/api/v1/training/sessions/", {"start": "2025-01-01", "end": "2025-12-31"})
    assert r.json()["count"] == 1
    assert admin.get("/api/v1/training/courses/").json()["count"] == 1


def test_bad_input_and_refusals(org, api):
    admin = api(org.user("county_admin"))
    r = admin.post("/api/v1/training/courses/", {"title": "", "hours": "0"}, format="json")
    assert r.status_code == 400 and {e["field"] for e in r.json()["errors"]} == {"title", "hours"}
    course = admin.post("/api/v1/training/courses/", {"title": "x", "hours": "2"}, format="json").json()
    body = {"course": course["id"], "held_on": "2025-04-02", "place": "p", "trainer": "t"}
    r = admin.post(
        "/api/v1/training/sessions/",
        {**body, "attendees": [{"user": org.user("other_admin").pk}]},
        format="json",
    )
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "attendees"
    r = admin.post(
        "/api/v1/training/sessions/",
        {**body, "attendees": [{"user": org.user("station_agent").pk, "score": 101}]},
        format="json",
    )
    assert r.status_code == 400
    assert (
        api(org.user("town_admin")).post("/api/v1/training/sessions/", body, format="json").status_code == 404
    )
    assert api(org.user("station_agent")).get("/api/v1/training/courses/").status_code == 403
    assert admin.get("/api/v1/training/sessions/", {"start": "2025-13-01"}).status_code == 400
    assert not Session.objects.exists()
