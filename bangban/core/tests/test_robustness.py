"""No input answers a server error: probes that used to 500 get a Chinese JSON 4xx (API) or a clean page."""

import re

import pytest

from bangban.core.testing import api_token_for

pytestmark = pytest.mark.django_db

HAN = re.compile(r"[\u4e00-\u9fff]")


def _assert_error(response, status):
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) >= {"code", "message"} and HAN.search(body["message"]), body
    return body


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/null/",
        "/api/v1/cases/null,null/suspend/",
        "/api/v1/cases/99999999999999999999999/",
        "/api/v1/cases/-1/",
        "/api/v1/staff/abc/",
        "/api/v1/institutions/%F0%9F%98%80/",
        "/api/v1/cases/1/forms/99999999999999999999.pdf",
        "/api/v1/cases/99999999999999999999/forms/A.pdf",
        "/api/v1/no-such-thing/",
        "/api/v1/cases/1",
        "/api/v1/cases/%C2%9D%0A/extend/",
        "/api/v1/catalog/offered/?institution=null",
    ],
)
def test_bad_ids_and_unknown_paths_answer_json_404(org, client, path):
    key = api_token_for(org.user("county_admin"))
    for method in ("get",) if ".pdf" in path or "?" in path else ("get", "post"):
        response = getattr(client, method)(path, HTTP_AUTHORIZATION=f"Token {key}")
        body = _assert_error(response, 404)
        assert body["code"] in ("not_found", "not_in_scope")


@pytest.mark.parametrize("value", ["99999999999999999999999", "²", "null"])
def test_queue_institution_filter_that_is_no_id_filters_nothing(org, client, value):
    key = api_token_for(org.user("town_agent"))
    response = client.get("/api/v1/cases/", {"institution": value}, HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200 and response.json()["results"] == []


@pytest.mark.parametrize("page", ["99999999999999999999999", "9223372036854775808", "0", "abc", "-5"])
@pytest.mark.parametrize("path", ["/api/v1/cases/", "/api/v1/staff/"])  # audit: keyset cursors (audit tests)
def test_page_numbers_beyond_bigint_are_refused_cleanly(org, client, path, page):
    key = api_token_for(org.user("county_admin"))
    response = client.get(path, {"page": page}, HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code in (400, 404), response.content[:300]
    _assert_error(response, response.status_code)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"path": "/api/v1/cases/?q=a%00b"},
        {"path": "/api/v1/staff/?search=%00"},
        {"path": "/api/v1/cases/", "headers": {"HTTP_AUTHORIZATION": "Token abc\x00def"}},
        {"path": "/api/v1/cases/", "method": "post", "body": '{"applicant_name": "王\\u0000"}'},
        {"path": "/api/v1/cases/", "method": "post", "body": b'{"applicant_name": "\x00"}'},
    ],
)
def test_nul_bytes_anywhere_answer_400(org, client, kwargs):
    key = api_token_for(org.user("town_agent"))
    headers = {"HTTP_AUTHORIZATION": f"Token {key}", **kwargs.get("headers", {})}
    if kwargs.get("method") == "post":
        response = client.post(kwargs["path"], kwargs["body"], content_type="application/json", **headers)
    else:
        response = client.get(kwargs["path"], **headers)
    body = _assert_error(response, 400)
    assert body["code"] == "invalid_characters"


def test_nul_in_a_page_form_is_a_plain_400(org, web):
    response = web(org.user("town_agent")).post(
        "/cases/new/", "applicant_name=%E7%8E%8B%00", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400


def test_non_json_bodies_and_protocol_errors_answer_chinese_json(org, client):
    key = api_token_for(org.user("town_agent"))
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    parse = client.post("/api/v1/cases/", "{bad", content_type="application/json", **auth)
    assert _assert_error(parse, 400)["code"] == "parse_error"
    media = client.post("/api/v1/cases/", "x=1", content_type="text/plain", **auth)
    assert _assert_error(media, 415)["code"] == "unsupported_media_type"
    method = client.delete("/api/v1/cases/", **auth)
    assert _assert_error(method, 405)["code"] == "method_not_allowed"
    accept = client.get("/api/v1/staff/", HTTP_ACCEPT="text/csv", **auth)
    assert _assert_error(accept, 406)["code"] == "not_acceptable"
    anonymous = client.get("/api/v1/staff/")
    assert anonymous.status_code in (401, 403)
    _assert_error(anonymous, anonymous.status_code)


def test_validation_messages_name_fields_in_chinese(org, client):
    key = api_token_for(org.user("town_agent"))
    response = client.post(
        "/api/v1/cases/",
        {"kind": "agency"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    body = _assert_error(response, 400)
    assert not body["message"].startswith("mode"), body
    by_field = {e["field"]: e["message"] for e in body["errors"]}
    assert by_field["applicant_name"].startswith("申请人："), by_field
    assert by_field["phone"].startswith("联系电话："), by_field
    for message in by_field.values():
        assert not re.match(r"[a-z_]+：", message), message


def test_five_thousand_characters_into_a_short_column_is_a_400(org, client):
    from bangban.cases.tests.conftest import make_item

    item = make_item(org, "个体工商户登记")
    key = api_token_for(org.user("town_agent"))
    data = {
        "kind": "help",
        "mode": "assist",
        "applicant_type": "person",
        "applicant_name": "王阿婆",
        "phone": "13812345678",
        "items": [item.pk],
    }
    for field in ("contact_name", "credit_code", "id_number", "summary", "applicant_name", "phone"):
        response = client.post(
            "/api/v1/cases/",
            data | {field: "长" * 5000},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {key}",
        )
        body = _assert_error(response, 400)
        assert body["errors"][0]["field"] == field and body["errors"][0]["code"] == "max_length", body


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/catalog/items/?department=%C2%B2",
        "/api/v1/catalog/listings/?institution=%C2%B2",
        "/audit/?institution=%C2%B2",
        "/catalog/adjustments/new/?item=%C2%B2",
        "/catalog/?department=%C2%B2",
    ],
)
def test_digits_that_are_no_ids_in_query_strings_are_no_server_error(org, client, path):
    """'²'.isdigit() is True, but int('²') raises: such checks let it through to a 500."""
    client.force_login(org.user("sysadmin"))
    response = client.get(path)
    assert response.status_code < 500


def test_throttled_requests_are_told_in_chinese_when_to_retry():
    from rest_framework.exceptions import Throttled

    from bangban.core.api_errors import exception_handler

    response = exception_handler(Throttled(wait=42), {})
    assert response.status_code == 429
    assert response.data == {"code": "throttled", "message": "请求过于频繁，请 42 秒后再试"}


def test_an_english_message_from_a_library_is_replaced_by_a_chinese_one():
    from rest_framework.exceptions import AuthenticationFailed

    from bangban.core.api_errors import exception_handler

    response = exception_handler(AuthenticationFailed("Invalid token header. No credentials provided."), {})
    assert response.status_code == 401 and HAN.search(response.data["message"])
