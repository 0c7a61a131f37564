"""Page and API agree: the actions offered are the ones the services accept, and the API's case
detail carries the page's calendar warning."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from bangban.cases import services
from bangban.cases.models import Case

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d):
    return time_machine.travel(datetime.datetime(y, m, d, 10, tzinfo=SH), tick=False)


def ok(response):
    assert response.status_code in (200, 201), response.json()
    return response.json()


def _help_case(client, items):
    return ok(
        client.post(
            "/api/v1/cases/",
            {
                "kind": "help",
                "mode": "assist",
                "applicant_type": "person",
                "applicant_name": "王阿婆",
                "id_number": "11010519491231002X",
                "phone": "13812345678",
                "items": [items["license"].pk],
                "accept_now": True,
            },
            format="json",
        )
    )


def test_complete_is_not_offered_while_an_original_is_out(org, items, api, web):
    agent = org.user("town_agent")
    client = api(agent)
    with at(2025, 9, 30):
        case = _help_case(client, items)
        cid = case["id"]
        ok(client.post(f"/api/v1/cases/{cid}/start/", {}, format="json"))
        material = ok(client.post(f"/api/v1/cases/{cid}/materials/", {"name": "房产证", "form": "original"}))
        case = ok(client.get(f"/api/v1/cases/{cid}/"))
        assert "complete" not in case["actions"] and "terminate" not in case["actions"]
        page = web(agent).get(f"/cases/{cid}/").content.decode()
        assert f'action="/cases/{cid}/act/complete/"' not in page
        assert f'action="/cases/{cid}/act/terminate/"' not in page

        ok(client.post(f"/api/v1/case-materials/{material['id']}/return/", {}, format="json"))
        case = ok(client.get(f"/api/v1/cases/{cid}/"))
        assert {"complete", "terminate"} <= set(case["actions"])
        assert f'action="/cases/{cid}/act/complete/"' in web(agent).get(f"/cases/{cid}/").content.decode()
        done = ok(client.post(f"/api/v1/cases/{cid}/complete/", {"result": "已办结"}, format="json"))
        assert done["status"] == "completed"


def test_every_offered_action_succeeds_and_nothing_else_does(org, items, api):
    """Walk a case through its states; at each, each action the guard offers succeeds (valid
    input) and each it withholds is refused by the service."""
    agent = org.user("town_agent")
    valid_input = {
        "apply": {},
        "accept": {},
        "start": {},
        "archive": {},
        "complete": {"result": "已办结"},
        "terminate": {"reason": "申请人撤回"},
    }
    with at(2025, 9, 30):
        cid = _help_case(api(agent), items)["id"]
        for _ in range(6):
            case = Case.objects.get(pk=cid)
            offered = services.case_allowed_actions(case=case, by=agent)
            for action, data in valid_input.items():
                fn = getattr(services, f"case_{action}")
                sid = transaction.savepoint()
                try:
                    fn(case=case, by=agent, **data)
                    succeeded = True
                except services.ServiceError:
                    succeeded = False
                transaction.savepoint_rollback(sid)
                assert succeeded == (action in offered), (case.status, action, offered)
            if not offered:
                break
            first = [a for a in ("start", "complete", "archive") if a in offered][0]
            getattr(services, f"case_{first}")(case=case, by=agent, **valid_input[first])
    # Someone who may not handle the case is offered nothing.
    assert services.case_allowed_actions(case=Case.objects.get(pk=cid), by=org.user("supervisor")) == []


def test_api_case_detail_warns_like_the_page_when_the_deadline_runs_into_an_unpublished_year(
    org, items, api, web
):
    agent = org.user("town_agent")
    with at(2026, 12, 28):
        cid = _help_case(api(agent), items)["id"]
        case = ok(api(agent).get(f"/api/v1/cases/{cid}/"))
        page = web(agent).get(f"/cases/{cid}/").content.decode()
    assert case["due_date"].startswith("2027-")
    assert case["calendar_warnings"] and all("2027 年" in w for w in case["calendar_warnings"])
    for warning in case["calendar_warnings"]:
        assert warning in page


def test_an_action_sent_back_names_the_field_and_is_announced(org, items, api, web):
    agent = org.user("town_agent")
    with at(2025, 9, 30):
        cid = _help_case(api(agent), items)["id"]
        ok(api(agent).post(f"/api/v1/cases/{cid}/start/", {}, format="json"))
        page = web(agent).post(f"/cases/{cid}/act/complete/", {"complete-result": ""}, follow=True)
    html = page.content.decode()
    assert '<p class="msg msg-error" role="alert" tabindex="-1">「办理结果」为必填项</p>' in html
    assert Case.objects.get(pk=cid).status == "in_progress"


def test_extension_is_offered_only_where_it_would_be_approved(org, items, api, web):
    from bangban.accounts.roles import Role
    from bangban.core.testing import make_user

    agent = org.user("town_agent")
    receiver = make_user("town2_coordinator", org.town2, [Role.COORDINATOR])
    with at(2025, 9, 30):
        cid = _help_case(api(agent), items)["id"]
        case = Case.objects.get(pk=cid)
        assert (
            f'action="/cases/{cid}/act/extend/"'
            in web(org.user("coordinator")).get(f"/cases/{cid}/").content.decode()
        )
        services.transfer_send(case=case, by=agent, to_institution=org.town2, reason="属地办理")
        # The receiver sees the waiting case but may not extend it (not yet in its scope): not offered.
        page = web(receiver).get(f"/cases/{cid}/")
        assert page.status_code == 200
        assert "act/extend/" not in page.content.decode()
        assert not services.case_may_extend(case=case, by=receiver)


def test_the_guard_with_facts_loaded_for_many_cases_refuses_as_the_guard_alone(org, items, api):
    """services.case_facts (used by list pages) gives action_refusal the same answers it reads itself:
    a transfer waiting, an open joint task, an original not returned, and a case with none."""
    from bangban.cases import workflow

    agent = org.user("town_agent")
    client = api(agent)
    with at(2025, 9, 30):
        ids = [_help_case(client, items)["id"] for _ in range(4)]
        for cid in ids:
            ok(client.post(f"/api/v1/cases/{cid}/start/", {}, format="json"))
        cases = {cid: Case.objects.get(pk=cid) for cid in ids}
        services.transfer_send(case=cases[ids[0]], by=agent, to_institution=org.town2, reason="属地办理")
        services.task_create(
            case=cases[ids[1]],
            by=agent,
            department=org.department,
            description="核验",
            due_date=datetime.date(2025, 10, 10),
        )
        services.material_receive(case=cases[ids[2]], by=agent, name="房产证", form="original", copies=1)
        cases = {cid: Case.objects.get(pk=cid) for cid in ids}
        facts = services.case_facts(list(cases.values()))
        assert facts[ids[0]].transfer_pending and facts[ids[1]].open_tasks and facts[ids[2]].originals_out
        for cid, case in cases.items():
            for action in workflow.TRANSITIONS:
                alone = services.action_refusal(case, action)
                loaded = services.action_refusal(case, action, facts=facts[cid])
                assert (alone and (alone.code, str(alone))) == (loaded and (loaded.code, str(loaded)))
        assert {a for a in workflow.TRANSITIONS if services.action_refusal(cases[ids[3]], a) is None} >= {
            "complete"
        }
