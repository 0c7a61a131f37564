"""好差评 through the API: the whole loop, public submission, no update route, scope, bad input."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from bangban.core import crypto
from bangban.evaluations.models import Rectification, Review, ReviewInvitation
from bangban.notifications.models import Message

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def link_token(case):
    return crypto.decrypt(ReviewInvitation.objects.get(case=case).token_encrypted)


def test_the_loop_through_the_api(org, api, new_case):
    case = new_case(complete=True)
    token = link_token(case)
    public = api()
    r = public.post(
        "/api/v1/public/reviews/",
        {"token": token, "level": 2, "comment": "等太久", "aspects": ["efficiency"]},
        format="json",
    )
    assert r.status_code == 201, r.json()
    again = public.post("/api/v1/public/reviews/", {"token": token, "level": 5}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "link_used"

    agent = api(org.user("station_agent"))
    rects = agent.get("/api/v1/rectifications/").json()["results"]
    assert len(rects) == 1 and rects[0]["status"] == "pending" and rects[0]["real_name"] is True
    rid = rects[0]["id"]
    refused = agent.post(
        f"/api/v1/rectifications/{rid}/verify/", {"finding": "true", "note": "属实"}, format="json"
    )
    assert refused.status_code == 400 and refused.json()["code"] == "revisit_required"
    now = datetime.datetime.now(tz=SH).isoformat()
    assert (
        agent.post(
            f"/api/v1/rectifications/{rid}/revisit/",
            {"called_at": now, "reached": True, "said": "窗口排队久"},
            format="json",
        ).status_code
        == 201
    )
    for step, body in (
        ("verify", {"finding": "true", "note": "高峰排队"}),
        ("rectify", {"action_taken": "增开窗口"}),
        ("feedback", {"text": "已增开窗口"}),
    ):
        r = agent.post(f"/api/v1/rectifications/{rid}/{step}/", body, format="json")
        assert r.status_code == 200, (step, r.json())
    assert agent.post(f"/api/v1/rectifications/{rid}/approve/", {}, format="json").status_code == 403
    supervisor = api(org.user("supervisor"))
    r = supervisor.post(f"/api/v1/rectifications/{rid}/approve/", {"note": "同意"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "closed"
    detail = supervisor.get(f"/api/v1/rectifications/{rid}/").json()
    assert [s["action"] for s in detail["steps"]] == [
        "open",
        "revisit",
        "verify",
        "rectify",
        "feedback",
        "approve",
    ]
    assert len(detail["revisits"]) == 1 and detail["actions"] == []
    assert Message.objects.filter(event=Message.Event.RECTIFIED).count() == 1


def test_no_update_or_delete_route(org, api, new_case):
    case = new_case()
    agent = api(org.user("station_agent"))
    r = agent.post("/api/v1/reviews/", {"channel": "device", "case": case.pk, "level": 4}, format="json")
    assert r.status_code == 201
    rid = r.json()["id"]
    for method in ("put", "patch", "delete"):
        assert (
            getattr(agent, method)(f"/api/v1/reviews/{rid}/", {"level": 1}, format="json").status_code == 405
        )
    assert Review.objects.get(pk=rid).level == 4


def test_staff_entry_and_follow_up(org, api, new_case):
    case = new_case()
    agent = api(org.user("station_agent"))
    first = agent.post(
        "/api/v1/reviews/", {"channel": "paper", "case": case.pk, "level": 5}, format="json"
    ).json()
    second = agent.post(
        "/api/v1/reviews/", {"channel": "paper", "case": case.pk, "level": 1}, format="json"
    ).json()
    assert second["follow_up_of"] == first["id"] and second["entered_by"] == org.user("station_agent").pk
    assert second["rectification"] is not None


def test_scope_a_station_sees_only_its_own(org, api, new_case):
    mine = new_case("station_agent")
    other = new_case("station2_agent")
    a = api(org.user("station_agent"))
    b = api(org.user("station2_agent"))
    a.post("/api/v1/reviews/", {"channel": "device", "case": mine.pk, "level": 1}, format="json")
    b.post("/api/v1/reviews/", {"channel": "device", "case": other.pk, "level": 2}, format="json")
    mine_reviews = a.get("/api/v1/reviews/").json()["results"]
    assert [r["case"] for r in mine_reviews] == [mine.pk]
    other_review = Review.objects.get(case=other)
    assert a.get(f"/api/v1/reviews/{other_review.pk}/").status_code == 404
    assert a.get(f"/api/v1/rectifications/{other_review.rectification.pk}/").status_code == 404
    assert (
        a.post(
            f"/api/v1/rectifications/{other_review.rectification.pk}/revisit/",
            {"called_at": "2025-01-01T10:00:00+08:00", "reached": True},
            format="json",
        ).status_code
        == 404
    )
    # Someone else's case cannot be rated from here either.
    assert (
        a.post(
            "/api/v1/reviews/", {"channel": "device", "case": other.pk, "level": 5}, format="json"
        ).status_code
        == 404
    )
    # The town above both sees both; the supervisor at the county too.
    town = api(org.user("supervisor")).get("/api/v1/reviews/").json()["results"]
    assert {r["case"] for r in town} == {mine.pk, other.pk}
    assert len(a.get("/api/v1/rectifications/").json()["results"]) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"channel": "device", "level": 9},
        {"channel": "sms", "level": 3},
        {"channel": "device", "level": 3, "comment": "长" * 501},
        {"channel": "device", "level": 3, "aspects": ["mood"]},
        {"channel": "device", "level": 3, "case": "abc"},
        {"channel": "device", "level": 3, "stage": "later"},
    ],
)
def test_bad_input_is_400(org, api, body):
    r = api(org.user("station_agent")).post("/api/v1/reviews/", body, format="json")
    assert r.status_code == 400
    assert Review.objects.count() == 0


@pytest.mark.parametrize(
    "query", ["level=9", "level=x", "date_from=2025-13-01", "institution=null", "case=1e9"]
)
def test_bad_filters_are_400(org, api, query):
    assert api(org.user("supervisor")).get(f"/api/v1/reviews/?{query}").status_code == 400


def test_filters(org, api, new_case):
    case = new_case()
    agent = api(org.user("station_agent"))
    agent.post("/api/v1/reviews/", {"channel": "device", "case": case.pk, "level": 4}, format="json")
    agent.post("/api/v1/reviews/", {"channel": "device", "level": 2}, format="json")
    sup = api(org.user("supervisor"))
    assert len(sup.get("/api/v1/reviews/?level=4").json()["results"]) == 1
    assert len(sup.get(f"/api/v1/reviews/?case={case.pk}").json()["results"]) == 1
    assert len(sup.get(f"/api/v1/reviews/?institution={org.station.pk}").json()["results"]) == 2
    assert len(sup.get("/api/v1/reviews/?date_to=2000-01-01").json()["results"]) == 0


def test_public_qr_submission(api, new_case):
    case = new_case(complete=True)
    r = api().post(
        "/api/v1/public/reviews/", {"tracking_token": case.tracking_token, "level": 5}, format="json"
    )
    assert r.status_code == 201 and r.json()["follow_up"] is False
    r = api().post(
        "/api/v1/public/reviews/", {"tracking_token": case.tracking_token, "level": 4}, format="json"
    )
    assert r.json()["follow_up"] is True
    assert api().post("/api/v1/public/reviews/", {"level": 4}, format="json").status_code == 400
    assert (
        api()
        .post("/api/v1/public/reviews/", {"tracking_token": "x" * 32, "level": 4}, format="json")
        .status_code
        == 400
    )


def test_appeal_through_api(org, api, new_case):
    case = new_case()
    agent = api(org.user("station_agent"))
    rid = agent.post(
        "/api/v1/reviews/", {"channel": "phone", "case": case.pk, "level": 1}, format="json"
    ).json()["id"]
    appeal = agent.post(f"/api/v1/reviews/{rid}/appeal/", {"reason": "恶意差评"}, format="json")
    assert appeal.status_code == 201
    aid = appeal.json()["id"]
    sup = api(org.user("supervisor"))
    r = sup.post(
        f"/api/v1/review-appeals/{aid}/decide/", {"upheld": True, "reason": "经查属恶意评价"}, format="json"
    )
    assert r.status_code == 200 and r.json()["state"] == "upheld"
    assert sup.get(f"/api/v1/reviews/{rid}/").json()["excluded"] is True
    assert api(org.user("other_admin")).post(
        f"/api/v1/review-appeals/{aid}/decide/", {"upheld": False, "reason": "x"}, format="json"
    ).status_code in (403, 404)
    assert Rectification.objects.count() == 1


def test_public_submission_is_throttled(api, new_case, monkeypatch):
    from bangban.evaluations.api import PublicReviewThrottle

    monkeypatch.setattr(PublicReviewThrottle, "rate", "2/hour")
    client = api()
    codes = [
        client.post("/api/v1/public/reviews/", {"token": "x", "level": 5}, format="json").status_code
        for _ in range(3)
    ]
    assert codes == [400, 400, 429]
