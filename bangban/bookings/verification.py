"""SMS verification codes: prove that the person at the keyboard holds a mobile number.

    code_issue(phone=..., purpose=..., subject=..., client=...)   # throttled; sends the SMS
    with code_consuming(phone=..., purpose=..., subject=..., code=...):
        ...  # the work the code authorises, in the same transaction

Rules (pure, in `rules`): 6 digits, live 5 minutes, one use, dead after 5 wrong tries; a new code no
sooner than a minute after the last for the same phone and purpose, and at most
BANGBAN_CODES_PER_HOUR per phone and BANGBAN_CODES_PER_HOUR_IP per client address per hour.

Only the code's HMAC (core.crypto lookup key) is stored. A wrong try is counted in its own write after
the caller's transaction has rolled back, so a refused attempt is never lost with the refusal; of two
concurrent uses of a right code exactly one succeeds (conditional UPDATE on used_at IS NULL).
"""

from __future__ import annotations

import secrets
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from bangban.bookings.models import PhoneCode
from bangban.core import crypto
from bangban.core.errors import ServiceError
from bangban.core.ids import mobile_problem
from bangban.notifications.models import Message
from bangban.notifications.services import notify
from bangban.notifications.texts import signature

CODE_DIGITS = 6
TTL = timedelta(minutes=5)
MAX_ATTEMPTS = 5
RESEND_SECONDS = 60
CODE_ERRORS = ("code_expired", "code_wrong", "code_dead")
PURPOSE_WORDS = {
    PhoneCode.Purpose.REQUEST: "网上申请帮办代办",
    PhoneCode.Purpose.TRACK: "查询办件进度",
    PhoneCode.Purpose.BOOKING: "变更预约",
    PhoneCode.Purpose.SIGN: "签署委托书",
    PhoneCode.Purpose.CONSULT: "留言咨询",
}


def clean_mobile(phone: str, *, field: str = "phone") -> str:
    phone = "".join((phone or "").split())
    if not phone:
        raise ServiceError("required", "请填写手机号码", field=field)
    if len(phone) > 20 or mobile_problem(phone):
        raise ServiceError("invalid", "手机号码应为 11 位、以 1 开头的数字", field=field)
    return phone


def clean_code(code: str) -> str:
    code = "".join((code or "").split())
    if not code:
        raise ServiceError("required", "请填写短信验证码", field="code")
    if len(code) != CODE_DIGITS or not code.isdigit():
        raise ServiceError("invalid", f"验证码应为 {CODE_DIGITS} 位数字", field="code")
    return code


def _hash(phone_hash: str, purpose: str, subject: str, code: str) -> str:
    return crypto.lookup_hash(f"code:{phone_hash}:{purpose}:{subject}:{code}")


def sms_text(code: str, purpose: str) -> str:
    return f"{signature()}验证码{code}，5分钟内有效，用于{PURPOSE_WORDS[purpose]}。请勿告诉他人。"


def _count(key: str) -> None:
    """Add one to a fixed one-hour window counter in the shared cache."""
    cache.add(key, 0, timeout=3600)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)


def throttle(*, phone_hash: str, purpose: str, client: str) -> None:
    """Refuse a new code too soon after the last one or beyond the hourly limits (Chinese message);
    a refused request counts against nothing."""
    last = f"bk:code:last:{purpose}:{phone_hash}"
    per_phone = f"bk:code:hour:{phone_hash}"
    per_client = f"bk:code:ip:{client}" if client else ""
    if cache.get(last):
        raise ServiceError("throttled", "验证码已发送，请 1 分钟后再重新获取", field="phone")
    if (cache.get(per_phone) or 0) >= settings.BANGBAN_CODES_PER_HOUR:
        raise ServiceError("throttled", "该手机号码获取验证码过于频繁，请 1 小时后再试", field="phone")
    if per_client and (cache.get(per_client) or 0) >= settings.BANGBAN_CODES_PER_HOUR_IP:
        raise ServiceError("throttled", "获取验证码过于频繁，请 1 小时后再试", field="phone")
    if not cache.add(last, 1, timeout=RESEND_SECONDS):  # a concurrent request got there first
        raise ServiceError("throttled", "验证码已发送，请 1 分钟后再重新获取", field="phone")
    _count(per_phone)
    if per_client:
        _count(per_client)


def code_issue(
    *, phone: str, purpose: str, subject: str = "", client: str = "", send: bool = True, institution=None
) -> PhoneCode | None:
    """Issue and send a fresh code (earlier live codes for the same phone, purpose and subject stay
    valid until they expire; each is usable once). With send=False the throttle is still applied but
    nothing is stored or sent: the caller answers exactly as if it had been (tracking by number +
    phone never reveals whether the number and phone match)."""
    phone = clean_mobile(phone)
    if purpose not in PhoneCode.Purpose.values:
        raise ValueError(f"unknown purpose {purpose!r}")
    subject = str(subject or "")[:64]
    phone_hash = crypto.lookup_hash(phone)
    throttle(phone_hash=phone_hash, purpose=purpose, client=client)
    if not send:
        return None
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    now = timezone.now()
    with transaction.atomic():
        row = PhoneCode.objects.create(
            phone_hash=phone_hash,
            purpose=purpose,
            subject=subject,
            code_hash=_hash(phone_hash, purpose, subject, code),
            created_at=now,
            expires_at=now + TTL,
        )
        notify(
            phone=phone,
            text=sms_text(code, purpose),
            event=Message.Event.VERIFY,
            dedupe_key=f"verify:{row.pk}",
            object_type="bookings.phonecode",
            object_id=str(row.pk),
            institution=institution,
        )
    return row


class _WrongCode(Exception):
    def __init__(self, row_ids: list[int]):
        self.row_ids = row_ids


def _live(phone_hash: str, purpose: str, subject: str):
    return PhoneCode.objects.filter(
        phone_hash=phone_hash,
        purpose=purpose,
        subject=subject,
        used_at__isnull=True,
        attempts__lt=MAX_ATTEMPTS,
        expires_at__gt=timezone.now(),
    )


def _use(*, phone: str, purpose: str, subject: str, code: str) -> PhoneCode:
    phone_hash = crypto.lookup_hash(phone)
    live = list(_live(phone_hash, purpose, subject).order_by("-created_at")[:3])
    if not live:
        raise ServiceError("code_expired", "验证码已失效或已使用，请重新获取", field="code")
    wanted = _hash(phone_hash, purpose, subject, code)
    match = next((r for r in live if secrets.compare_digest(r.code_hash, wanted)), None)
    if match is None:
        raise _WrongCode([r.pk for r in live])
    now = timezone.now()
    taken = PhoneCode.objects.filter(
        pk=match.pk, used_at__isnull=True, attempts__lt=MAX_ATTEMPTS, expires_at__gt=now
    ).update(used_at=now)
    if taken != 1:  # a concurrent request used it first
        raise ServiceError("code_expired", "验证码已失效或已使用，请重新获取", field="code")
    match.used_at = now
    return match


def _count_wrong(row_ids: list[int]) -> ServiceError:
    PhoneCode.objects.filter(pk__in=row_ids, attempts__lt=MAX_ATTEMPTS).update(attempts=F("attempts") + 1)
    left = max(
        (
            MAX_ATTEMPTS - a
            for a in PhoneCode.objects.filter(pk__in=row_ids).values_list("attempts", flat=True)
        ),
        default=0,
    )
    if left <= 0:
        return ServiceError("code_dead", "验证码错误次数过多，已失效，请重新获取", field="code")
    return ServiceError("code_wrong", f"验证码不正确，还可以再试 {left} 次", field="code")


@contextmanager
def code_consuming(*, phone: str, purpose: str, code: str, subject: str = ""):
    """Use the code and run the caller's block in one transaction: if the block fails the code stays
    unused. A wrong code is counted after the rollback (and raised as a ServiceError), so this must be
    the outermost transaction (views and the API run in autocommit: no ATOMIC_REQUESTS)."""
    phone = clean_mobile(phone)
    code = clean_code(code)
    subject = str(subject or "")[:64]
    try:
        with transaction.atomic():
            row = _use(phone=phone, purpose=purpose, subject=subject, code=code)
            yield row
    except _WrongCode as wrong:
        raise _count_wrong(wrong.row_ids) from None
