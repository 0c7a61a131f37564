"""Writes of the public portal. The consultation itself is the complaints app's service; this layer adds
what a public, anonymous form needs: throttles per address and per phone number."""

from __future__ import annotations

import hashlib

from django.core.cache import cache

from bangban.bookings import verification
from bangban.bookings.models import PhoneCode
from bangban.complaints.models import Consultation
from bangban.complaints.services import consultation_receive_online
from bangban.core.errors import ServiceError
from bangban.core.ids import mobile_problem
from bangban.org.models import Institution
from bangban.portal import rules

TOO_MANY = "提交次数过多，请稍后再试；着急的话请直接拨打页面下方的服务电话"


def _key(kind: str, value: str) -> str:
    # Phone numbers never reach the cache in clear.
    return f"portal:ask:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


def _take(key: str, window: int) -> int:
    """Count one more submission under `key` (atomic on Redis); returns the count including it."""
    if cache.add(key, 1, window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, window)
        return 1


def _give_back(key: str) -> None:
    try:
        cache.decr(key)
    except ValueError:
        pass


def question_code(*, phone: str, client: str = "") -> None:
    """Send the SMS code that proves the asker holds `phone` (bookings' codes: 5 minutes, used once,
    throttled per phone and per address)."""
    verification.code_issue(phone=phone, purpose=PhoneCode.Purpose.CONSULT, client=client or "")


def question_submit(
    *,
    institution: Institution,
    question: str,
    phone: str,
    code: str,
    asker_name: str = "",
    item: int | None = None,
    client: str | None = None,
) -> Consultation:
    """留言咨询 from the public portal: registered as an online consultation of `institution` (audited
    there, answered by SMS to `phone`). Refused with a message, and nothing saved, when the SMS code
    sent to `phone` (question_code) is not right, or the address or the phone number has submitted too
    often. The code is used in the same transaction as the consultation: if the consultation is refused
    the code stays usable (verification.code_consuming, the outermost transaction)."""
    phone = "".join((phone or "").split())
    if not phone:
        raise ServiceError("required", "「手机号码」为必填项", field="phone")
    if problem := mobile_problem(phone):
        # The answer goes by SMS: a landline cannot receive it.
        raise ServiceError("invalid", f"「手机号码」{problem}", field="phone")
    taken: list[str] = []
    try:
        for kind, value, (limit, window) in (
            ("ip", client or "unknown", rules.ASK_LIMIT_PER_IP),
            ("phone", phone, rules.ASK_LIMIT_PER_PHONE),
        ):
            key = _key(kind, value)
            count = _take(key, window)
            taken.append(key)
            if rules.over_limit(count, limit):
                raise ServiceError("throttled", TOO_MANY)
        with verification.code_consuming(phone=phone, purpose=PhoneCode.Purpose.CONSULT, code=code):
            return consultation_receive_online(
                institution=institution, question=question, asker_name=asker_name, phone=phone, item=item
            )
    except ServiceError:
        # A refused submission does not count against the person.
        for key in taken:
            _give_back(key)
        raise
