"""Encryption of personal identifiers at rest.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) under
BANGBAN_FIELD_KEYS (comma-separated Fernet keys, newest first, so keys can be rotated);
without it a key is derived from SECRET_KEY, which is fine for development only.
`lookup_hash` is a keyed HMAC so an identity number can be found without decrypting, and
cannot be brute-forced from the database alone (ID numbers have little entropy).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _derived(purpose: bytes) -> bytes:
    return hashlib.sha256(purpose + settings.SECRET_KEY.encode()).digest()


@cache
def _fernet() -> MultiFernet:
    keys = [k.strip() for k in getattr(settings, "BANGBAN_FIELD_KEYS", "").split(",") if k.strip()]
    if not keys:
        keys = [base64.urlsafe_b64encode(_derived(b"bangban-field-encryption:")).decode()]
    return MultiFernet([Fernet(k) for k in keys])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # wrong or rotated-away key: never show garbage
        raise ValueError("无法解密：密钥不匹配") from exc


def lookup_hash(value: str) -> str:
    if not value:
        return ""
    return hmac.new(_derived(b"bangban-lookup-hash:"), value.upper().encode(), hashlib.sha256).hexdigest()
