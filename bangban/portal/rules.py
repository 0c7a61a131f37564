"""Pure rules of the public portal (no database): the 关怀版 cookie, safe return paths, throttles, tel: links."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# 关怀版 (elderly mode) is remembered on the device for a year; the server reads the cookie so the first
# paint is right without JavaScript.
CARE_COOKIE = "bb_care"
CARE_ON = "1"
CARE_MAX_AGE = 365 * 24 * 3600

# 留言咨询 throttles: (limit, window in seconds). One address may be a whole village's shared Wi-Fi, so
# its limit is the looser one; a phone number is one person.
ASK_LIMIT_PER_IP = (10, 3600)
ASK_LIMIT_PER_PHONE = (5, 24 * 3600)

_SAFE_PATH = re.compile(r"^/[^/\\]")


def care_on(cookie_value: str | None) -> bool:
    """Only the exact value we set turns the mode on; anything else is the standard page."""
    return cookie_value == CARE_ON


def safe_next(value: str | None, default: str = "/") -> str:
    """A local path to return to after the 关怀版 switch: never another site (no scheme, no host, no //,
    no backslash tricks, no control characters), at most 500 characters."""
    value = (value or "").strip()
    if not value or value == "/":
        return default
    if len(value) > 500 or any(ord(c) < 32 or ord(c) == 127 for c in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not _SAFE_PATH.match(value):
        return default
    return value


def over_limit(count: int, limit: int) -> bool:
    """`count` is the number of submissions including the one being made."""
    return count > limit


def tel_href(phone: str) -> str:
    """The tap-to-call target of a displayed phone number: digits and a leading + only ("" if none)."""
    phone = (phone or "").strip()
    # "0512-12345 转 8001": only the number before any extension or note is dialled.
    head = re.match(r"[\d\s\-+()]*", phone).group(0)
    digits = re.sub(r"\D", "", head)
    if not digits:
        return ""
    return ("+" if phone.startswith("+") else "") + digits
