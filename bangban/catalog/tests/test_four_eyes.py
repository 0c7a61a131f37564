"""Four eyes on catalog adjustments: whoever raised, changed, submitted or wrote the drafts of a request
never approves (or returns) it, in the services, on the pages and through the API."""

import datetime

import pytest
import time_machine

from bangban.accounts.roles import Role
from bangban.catalog import selectors, services
from bangban.catalog.models import Adjustment
from bangban.core.errors import ServiceError
from bangban.core.testing import make_user

pytestmark = pytest.mark.django_db

APRIL = datetime.date(2026, 4, 1)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0), tick=False):
        yield


@pytest.fixture
def admins(cat):
    """Three 事项管理员: a (author), b (colleague), c (independent reviewer)."""
    cat.users["catalog_admin3"] = make_user("catalog_admin3", cat.county, [Role.CATALOG_ADMIN])
    return cat.user("catalog_admin"), cat.user("catalog_admin2"), cat.user("catalog_admin3")


def raise_change(item, by):
    return services.adjustment_create(
        by=by,
        kind="change",
        trigger="law_amended",
        justification="《食品经营许可和备案管理办法》修订",
        effective_on=APRIL,
        items=[item],
        proposed=[{"promised_days": 3}],
    )


def refused(by, adjustment):
    with pytest.raises(ServiceError) as exc:
        services.adjustment_approve(by=by, adjustment=adjustment)
    assert exc.value.code == "same_person" and "不能审核" in exc.value.message
    assert Adjustment.objects.get(pk=adjustment.pk).status == Adjustment.Status.SUBMITTED


def test_the_author_cannot_approve_once_a_colleague_submitted(admins, published):
    a, b, c = admins
    adjustment = raise_change(published(), a)
    services.adjustment_submit(by=b, adjustment=adjustment)
    refused(a, adjustment)  # the author: before, only the submitter was checked
    refused(b, adjustment)
    with pytest.raises(ServiceError, match="不能审核"):
        services.adjustment_return(by=a, adjustment=adjustment, note="自己退回")
    services.adjustment_approve(by=c, adjustment=adjustment, note="同意")
    assert Adjustment.objects.get(pk=adjustment.pk).status == Adjustment.Status.APPROVED


def test_a_reviewer_who_edited_a_returned_draft_cannot_approve_it(admins, published):
    a, b, c = admins
    adjustment = raise_change(published(), a)
    services.adjustment_submit(by=a, adjustment=adjustment)
    services.adjustment_return(by=b, adjustment=adjustment, note="承诺时限请与上级清单一致")
    draft = adjustment.proposed_versions.get()
    services.item_version_update(by=b, version=draft, data={"promised_days": 4})  # the reviewer's edit
    services.adjustment_submit(by=a, adjustment=adjustment)
    refused(b, adjustment)
    assert b.pk in selectors.adjustment_contributor_ids(adjustment)
    services.adjustment_approve(by=c, adjustment=adjustment)


def test_a_reviewer_who_changed_the_request_cannot_approve_it(admins, published):
    a, b, c = admins
    adjustment = raise_change(published(), a)
    services.adjustment_submit(by=a, adjustment=adjustment)
    services.adjustment_return(by=b, adjustment=adjustment, note="生效日期请改为五月")
    services.adjustment_update(
        by=b, adjustment=adjustment, trigger="upper_list", justification="上级清单调整", effective_on=APRIL
    )
    services.adjustment_submit(by=a, adjustment=adjustment)
    refused(b, adjustment)
    assert selectors.pending_review_count(b) == 0 and selectors.pending_review_count(c) == 1
    services.adjustment_approve(by=c, adjustment=adjustment)


def test_pages_offer_review_only_to_someone_who_did_not_contribute(admins, published, web):
    a, b, c = admins
    adjustment = raise_change(published(), a)
    services.adjustment_submit(by=b, adjustment=adjustment)
    for user in (a, b):
        client = web(user)
        page = client.get(f"/catalog/adjustments/{adjustment.pk}/").content.decode()
        assert 'value="approve"' not in page and "须由另一位事项管理员审核" in page
        assert "待我审核的事项调整" not in client.get("/staff/").content.decode()
        response = client.post(f"/catalog/adjustments/{adjustment.pk}/review/", {"decision": "approve"})
        assert response.status_code == 302
        assert Adjustment.objects.get(pk=adjustment.pk).status == Adjustment.Status.SUBMITTED
    reviewer = web(c)
    assert 'value="approve"' in reviewer.get(f"/catalog/adjustments/{adjustment.pk}/").content.decode()
    reviewer.post(f"/catalog/adjustments/{adjustment.pk}/review/", {"decision": "approve", "note": "同意"})
    assert Adjustment.objects.get(pk=adjustment.pk).status == Adjustment.Status.APPROVED


def test_api_refuses_a_contributor_and_lists_the_contributors(admins, published, api):
    a, b, c = admins
    item = published()
    created = (
        api(a)
        .post(
            "/api/v1/catalog/adjustments/",
            {
                "kind": "change",
                "trigger": "reform",
                "justification": "压缩承诺时限",
                "effective_on": "2026-04-01",
                "items": [item.pk],
                "proposed": [{"promised_days": 3}],
            },
            format="json",
        )
        .json()
    )
    pk = created["id"]
    submitted = api(b).post(f"/api/v1/catalog/adjustments/{pk}/submit/").json()
    assert submitted["contributors"] == sorted([a.pk, b.pk])
    own = api(a).post(f"/api/v1/catalog/adjustments/{pk}/approve/", {}, format="json")
    assert own.status_code == 400 and own.json()["code"] == "same_person"
    assert Adjustment.objects.get(pk=pk).status == Adjustment.Status.SUBMITTED
    approved = api(c).post(f"/api/v1/catalog/adjustments/{pk}/approve/", {}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
