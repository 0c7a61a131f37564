"""The 短信记录 page and API: scoped by institution, open to supervision and case handlers."""

import pytest

from bangban.core import crypto
from bangban.notifications.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def messages(org):
    def make(key, institution, status=Message.Status.SENT, **extra):
        return Message.objects.create(
            **crypto.phone_columns("13800138000"),
            text=f"【帮办代办】{key}",
            event="accepted",
            dedupe_key=key,
            institution=institution,
            status=status,
            object_type="cases.case",
            object_id=key,
            **extra,
        )

    return {
        "station": make(
            "m-station", org.station, status=Message.Status.FAILED, last_error="HTTP 400", attempts=1
        ),
        "station3": make("m-station3", org.station3),
        "county": make("m-county", org.county),
        "other": make("m-other", org.other_county),
        "none": make("m-none", None),
    }


VISIBLE = {
    "county_admin": {"m-station", "m-station3", "m-county"},
    "supervisor": {"m-station", "m-station3", "m-county"},
    "town_agent": {"m-station"},
    "station_agent": {"m-station"},
    "town2_agent": {"m-station3"},
    "other_admin": {"m-other"},
}


@pytest.mark.parametrize("key", sorted(VISIBLE))
def test_scope_by_page_and_api(org, messages, web, api, key):
    user = org.user(key)
    html = web(user).get("/notifications/").content.decode()
    for dedupe_key in ("m-station", "m-station3", "m-county", "m-other", "m-none"):
        assert (f"【帮办代办】{dedupe_key}<" in html) == (dedupe_key in VISIBLE[key]), (key, dedupe_key)
    listed = api(user).get("/api/v1/notifications/messages/").json()["results"]
    assert {m["object_id"] for m in listed} == VISIBLE[key]
    for name, message in messages.items():
        status = api(user).get(f"/api/v1/notifications/messages/{message.pk}/").status_code
        assert status == (200 if message.dedupe_key in VISIBLE[key] else 404), (key, name)


def test_roles_without_either_capability_are_refused(org, messages, web, api):
    assert web(org.user("catalog_admin")).get("/notifications/").status_code == 403
    assert api(org.user("liaison")).get("/api/v1/notifications/messages/").status_code == 403


def test_page_shows_status_masks_the_number_and_offers_retry(org, messages, web):
    client = web(org.user("town_admin"))
    html = client.get("/notifications/?status=failed").content.decode()
    assert "138****8000" in html and "13800138000" not in html
    assert "HTTP 400" in html and "重发" in html
    response = client.post(
        f"/notifications/{messages['station'].pk}/retry/", {"next": "/notifications/?status=failed"}
    )
    assert response.status_code == 302 and response.url == "/notifications/?status=failed"
    messages["station"].refresh_from_db()
    assert messages["station"].status == Message.Status.PENDING  # sent once the request's transaction commits
    html = client.get("/notifications/").content.decode()
    assert "已重新发送" in html
    again = client.post(f"/notifications/{messages['station'].pk}/retry/", follow=True).content.decode()
    assert "只有发送失败的短信可以重发" in again
    assert (
        web(org.user("town2_agent")).post(f"/notifications/{messages['station'].pk}/retry/").status_code
        == 404
    )


def test_filters_and_object_lookup(org, messages, api, web):
    client = api(org.user("county_admin"))
    assert [
        m["object_id"] for m in client.get("/api/v1/notifications/messages/?status=failed").json()["results"]
    ] == ["m-station"]
    by_object = client.get("/api/v1/notifications/messages/?object_type=cases.case&object_id=m-county").json()
    assert [m["object_id"] for m in by_object["results"]] == ["m-county"]
    assert client.get("/api/v1/notifications/messages/?q=m-station3").json()["count"] == 1
    html = (
        web(org.user("county_admin")).get("/notifications/?object_type=cases.case&object_id=m-county").content
    )
    assert "m-station3" not in html.decode()


def test_api_retry(org, messages, api):
    client = api(org.user("station_agent"))
    response = client.post(f"/api/v1/notifications/messages/{messages['station'].pk}/retry/")
    assert response.status_code == 200 and response.json()["status"] == "pending"
    again = client.post(f"/api/v1/notifications/messages/{messages['station'].pk}/retry/")
    assert again.status_code == 400 and again.json()["code"] == "not_failed"


def test_nav_entry_and_dashboard_panel(org, messages, web):
    home = web(org.user("county_admin")).get("/staff/").content.decode()
    assert "短信记录" in home and "发送失败的短信" in home
    assert "短信记录" not in web(org.user("town_agent")).get("/staff/").content.decode()


def test_openapi_documents_the_outbox(org, client):
    client.force_login(org.user("county_admin"))
    text = client.get("/api/v1/schema/").content.decode()
    assert "/api/v1/notifications/messages/" in text
    assert "/api/v1/notifications/messages/{id}/retry/" in text
