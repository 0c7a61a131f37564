"""Concurrent double submits of one SMS link or one QR code create one review (real threads, both databases)."""

import pytest
from django.db import connection

from bangban.core import crypto
from bangban.core.errors import ServiceError
from bangban.core.testing import make_org, run_together
from bangban.evaluations import services
from bangban.evaluations.models import Rectification, Review, ReviewInvitation

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def completed_case():
    from bangban.cases import services as cs
    from bangban.cases.tests.conftest import make_item

    from .conftest import person

    org = make_org()
    item = make_item(org, "个体工商户登记", promised=5)
    by = org.user("station_agent")
    case = cs.case_create(by=by, kind="help", mode="assist", items=[item], accept_now=True, **person())
    case = cs.case_start(case=case, by=by)
    return cs.case_complete(case=case, by=by, result="已办结")


def _skip_sqlite_threads():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers with a file lock; the threads prove nothing there")


def test_double_submit_of_one_link_creates_one_review(completed_case):
    _skip_sqlite_threads()
    token = crypto.decrypt(ReviewInvitation.objects.get(case=completed_case).token_encrypted)
    results = run_together(4, lambda i: services.review_submit_by_token(token=token, level=1 + i % 2).pk)
    assert sorted(r[0] for r in results) == ["error", "error", "error", "ok"], results
    assert {r[1] for r in results if r[0] == "error"} == {"link_used"}
    assert Review.objects.count() == 1 and Rectification.objects.count() == 1


def test_double_submit_of_one_qr_code_gives_first_and_one_follow_up(completed_case):
    _skip_sqlite_threads()
    token = completed_case.tracking_token
    results = run_together(3, lambda i: services.review_submit_by_tracking(tracking_token=token, level=5).pk)
    assert sorted(r[0] for r in results) == ["error", "ok", "ok"], results
    first = Review.objects.get(follow_up_of__isnull=True)
    assert list(Review.objects.filter(follow_up_of__isnull=False).values_list("follow_up_of", flat=True)) == [
        first.pk
    ]


def test_link_used_twice_in_sequence(completed_case):
    # Both databases: the second use after the first commit is refused.
    token = crypto.decrypt(ReviewInvitation.objects.get(case=completed_case).token_encrypted)
    services.review_submit_by_token(token=token, level=4)
    with pytest.raises(ServiceError):
        services.review_submit_by_token(token=token, level=4)
    assert Review.objects.count() == 1
