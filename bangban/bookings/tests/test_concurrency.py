"""Concurrent requests with real threads and connections (meaningful on PostgreSQL; SQLite serialises
writers, and the same assertions hold)."""

import pytest

from bangban.bookings import services, verification
from bangban.bookings.models import Booking, PhoneCode, Slot
from bangban.bookings.tests.conftest import PHONE, last_code, make_slot
from bangban.cases.models import Case
from bangban.cases.tests.conftest import make_item
from bangban.core.testing import make_org, run_together

pytestmark = pytest.mark.django_db(transaction=True)


def test_last_place_in_a_slot_goes_to_exactly_one_of_many():
    org = make_org()
    item = make_item(org, "社会保障卡申领")
    slot = make_slot(org.town, capacity=3, booked=2)
    n = 6
    phones = [f"1390000{i:04d}" for i in range(n)]
    codes = []
    for phone in phones:
        services.request_code(phone=phone)
        codes.append(last_code(phone))

    def book(i):
        return services.request_create(
            institution=org.town,
            kind="help",
            way="window",
            applicant_name=f"申请人{i}",
            phone=phones[i],
            code=codes[i],
            items=[item.pk],
            slot_id=slot.pk,
        ).pk

    results = run_together(n, book)
    assert sorted(r[0] for r in results) == ["error"] * (n - 1) + ["ok"], results
    assert {r[1] for r in results if r[0] == "error"} == {"slot_full"}
    slot.refresh_from_db()
    assert slot.booked == 3
    assert Booking.objects.count() == 1 and Case.objects.count() == 1
    # The losers' codes were not spent: they can choose another slot.
    assert PhoneCode.objects.filter(used_at__isnull=True).count() == n - 1


def test_a_code_used_twice_at_once_works_exactly_once():
    make_org()
    verification.code_issue(phone=PHONE, purpose=PhoneCode.Purpose.REQUEST)
    code = last_code()

    def use(_i):
        with verification.code_consuming(phone=PHONE, purpose=PhoneCode.Purpose.REQUEST, code=code) as row:
            return row.pk

    results = run_together(4, use)
    assert sorted(r[0] for r in results) == ["error", "error", "error", "ok"], results
    assert {r[1] for r in results if r[0] == "error"} == {"code_expired"}


def test_many_wrong_tries_at_once_never_exceed_the_limit():
    make_org()
    verification.code_issue(phone=PHONE, purpose=PhoneCode.Purpose.REQUEST)
    code = last_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    def use(_i):
        with verification.code_consuming(phone=PHONE, purpose=PhoneCode.Purpose.REQUEST, code=wrong):
            return None

    run_together(8, use)
    row = PhoneCode.objects.get()
    assert row.attempts == verification.MAX_ATTEMPTS and row.used_at is None
    assert Slot.objects.count() == 0
