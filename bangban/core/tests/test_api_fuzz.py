"""Schemathesis over the whole API: no input gives a server error or an answer the schema does not describe.

Every operation of the schema is called with generated input (valid and invalid), once with a
village agent's token (low privilege) and with the tokens of two county users who between them hold
every business role (a center administrator; a 事项管理员 and supervisor; both also coordinator and
agent: the roles that may not be held together are split between them), so that every capability
check is passed and the validation behind it is reached, in process through the WSGI application, inside the test's transaction
(both databases). Any 5xx,
undocumented status code or content type, or body that does not match its response schema fails.
Bounded: a fixed seed (derandomize) and a few examples per operation; FUZZ_EXAMPLES raises it.

Besides those random examples, schemathesis's coverage phase sends every boundary of every field
(one past maxLength, out-of-range numbers, wrong types, missing required fields): about nine tenths
of the time, 1,600 requests for the largest operation. A boundary case goes to the first of the two county
users who is not refused (403): validation is the same code for every caller who reaches it. FUZZ_COVERAGE=0 leaves it out; `make test`
does so on SQLite only when the PostgreSQL run follows, which keeps it (the production database, and
the stricter one: NUL bytes, integer ranges, lengths).
"""

from __future__ import annotations

import datetime
import json
import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.meta import TestPhase
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bangban.accounts.roles import Role
from bangban.core.schema_view import openapi_document
from bangban.core.testing import api_token_for

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
COVERAGE = os.environ.get("FUZZ_COVERAGE", "1") != "0"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _load_schema():
    document = openapi_document()
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))
    loaded.app = get_wsgi_application()
    loaded.config.phases.coverage.enabled = COVERAGE
    return loaded


schema = _load_schema()


@pytest.fixture
def fuzz_tokens(org):
    """Tokens of a low-privilege user and of two county users holding every business role between
    them (in that order), and some data for the ids the fuzzer may hit."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from bangban.cases import services
    from bangban.cases.models import Material
    from bangban.cases.tests.conftest import make_item
    from bangban.core.testing import make_user

    item = make_item(org, "个体工商户登记")
    agent = org.user("station_agent")
    case = services.case_create(
        by=agent,
        kind="agency",
        mode="agency",
        applicant_type="person",
        applicant_name="王阿婆",
        id_number="11010519491231002X",
        phone="13812345678",
        items=[item],
    )
    case = services.case_analyse(case=case, by=agent, analysis="全程代办")
    today = datetime.date.today()
    case = services.case_entrust(
        case=case, by=agent, scope="whole", period_start=today, period_end=today + datetime.timedelta(days=30)
    )
    services.material_receive(case=case, by=agent, name="身份证复印件", form=Material.Form.COPY)
    # Requests go through the WSGI handler in this thread and transaction: keep the connection open
    # between them, as Django's test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        admin = make_user("fuzz_admin", org.county, [Role.CENTER_ADMIN, Role.COORDINATOR, Role.AGENT])
        expert = make_user(
            "fuzz_expert", org.county, [Role.CATALOG_ADMIN, Role.SUPERVISOR, Role.COORDINATOR, Role.AGENT]
        )
        yield [api_token_for(agent), api_token_for(admin), api_token_for(expert)]
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.fuzz
@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case, fuzz_tokens):
    if case.meta is not None and case.meta.phase.name == TestPhase.COVERAGE:
        for token in fuzz_tokens[1:]:
            response = case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
            if response.status_code != 403:
                break
        return
    for token in fuzz_tokens:
        case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
