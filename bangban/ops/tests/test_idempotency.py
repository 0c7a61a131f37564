"""An API write sent again with the same Idempotency-Key happens once (issue 14: a retry after a
killed app server or a lost answer never makes a second case)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from bangban.cases.models import Case
from bangban.cases.tests.conftest import make_item
from bangban.core.testing import api_token_for, run_together
from bangban.ops import idempotency
from bangban.ops.models import IdempotentRequest


def _case_body(item, name="王阿婆"):
    return {
        "kind": "help",
        "mode": "guide",
        "applicant_type": "person",
        "applicant_name": name,
        "id_number": "11010519491231002X",
        "phone": "13812345678",
        "items": [item.pk],
    }


def _post(token, body, key):
    return Client().post(
        "/api/v1/cases/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
        HTTP_IDEMPOTENCY_KEY=key,
    )


@pytest.mark.django_db
def test_a_retried_registration_makes_one_case_and_gets_the_first_answer(org):
    item = make_item(org, "个体工商户登记")
    token = api_token_for(org.user("station_agent"))
    first = _post(token, _case_body(item), "reg-0001")
    again = _post(token, _case_body(item), "reg-0001")
    assert first.status_code == again.status_code == 201
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1
    # another caller's key is another key
    other = _post(api_token_for(org.user("town_agent")), _case_body(item), "reg-0001")
    assert other.status_code == 201 and Case.objects.count() == 2


@pytest.mark.django_db
def test_a_key_is_for_one_request_and_refusals_keep_nothing(org):
    item = make_item(org, "个体工商户登记")
    token = api_token_for(org.user("station_agent"))
    refused = _post(token, _case_body(item) | {"applicant_name": ""}, "reg-0002")
    assert refused.status_code == 400 and not IdempotentRequest.objects.exists()
    assert _post(token, _case_body(item), "reg-0002").status_code == 201  # the corrected retry runs
    reused = _post(token, _case_body(item, name="李大爷"), "reg-0002")
    assert reused.status_code == 422 and "已用于另一个请求" in reused.json()["message"]
    bad = _post(token, _case_body(item), "含有中文的键")
    assert bad.status_code == 400 and "Idempotency-Key" in bad.json()["errors"][0]["field"]
    assert Case.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_make_one_case(org):
    item = make_item(org, "个体工商户登记")
    token = api_token_for(org.user("station_agent"))

    def send(i):
        response = _post(token, _case_body(item), "reg-concurrent")
        return response.status_code, response.json().get("number")

    results = run_together(4, send)
    assert all(kind == "ok" for kind, _ in results), results
    answers = {value for _, value in results}
    assert len(answers) == 1 and next(iter(answers))[0] == 201, answers
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_keys_are_forgotten_after_their_retention(org, settings):
    settings.BANGBAN_IDEMPOTENCY_HOURS = 24
    item = make_item(org, "个体工商户登记")
    token = api_token_for(org.user("station_agent"))
    _post(token, _case_body(item), "reg-old")
    assert idempotency.purge(now=timezone.now() + datetime.timedelta(hours=23)) == 0
    assert idempotency.purge(now=timezone.now() + datetime.timedelta(hours=25)) == 1
