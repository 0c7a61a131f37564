"""Encryption of personal data at rest, on the national algorithms (GB/T 32907 SM4, GB/T 32905 SM3).

Field values (ID numbers, phone numbers) are encrypted with SM4-GCM (`cryptography`'s SM4 in GCM
mode): a random 12-byte nonce per value, a 16-byte tag that detects any change. A ciphertext reads

    sm4gcm1:<key id>:<base64url(nonce | ciphertext | tag)>

where `sm4gcm1` is the format and the key id names the key that encrypted it (the header is the
AEAD's associated data, so it cannot be altered either).

Keys: BANGBAN_FIELD_KEYS, comma-separated, newest first. An SM4 key is written `<id>:<32 hex digits>`
(id: letters, digits, `_`, `-`, up to 16). The newest encrypts; every listed key decrypts, so keys
rotate: put the new key first, keep the old ones until `bangban reencrypt` has moved every value
to the new key, then drop them. A bare Fernet key in the list decrypts values written before the
move to SM4 (read path only; `bangban reencrypt` and the migrations rewrite them under SM4).
Without BANGBAN_FIELD_KEYS (development only; production refuses to start) the key is derived
from SECRET_KEY.

Lookup hashes: `lookup_hash` is HMAC-SM3 keyed with BANGBAN_LOOKUP_KEY (derived from SECRET_KEY in
development), so a value can be found without decrypting and cannot be brute-forced from the
database alone (ID and phone numbers have little entropy). Changing BANGBAN_LOOKUP_KEY changes every
hash: run `bangban reencrypt` right after, which recomputes them (until it has, searches by ID or
phone number miss the rows it has not reached).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

FORMAT = "sm4gcm1"
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
SM4_KEY_RE = re.compile(r"^[0-9a-fA-F]{32}$")
DEV_KEY_ID = "dev"


class DecryptionError(ValueError):
    """A value that cannot be decrypted: unknown key, wrong key, or altered ciphertext."""


@dataclass(frozen=True)
class Keyring:
    current_id: str
    sm4: dict[str, bytes]  # key id → 16-byte SM4 key
    legacy: MultiFernet | None  # Fernet keys, read path only


def sm3_digest(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def hmac_sm3(key: bytes, data: bytes) -> str:
    """HMAC-SM3 of `data` as 64 hex digits."""
    h = crypto_hmac.HMAC(key, hashes.SM3())
    h.update(data)
    return h.finalize().hex()


def _is_fernet_key(text: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(text.encode())) == 32
    except (binascii.Error, ValueError):
        return False


def parse_keys(text: str) -> Keyring:
    """BANGBAN_FIELD_KEYS as a Keyring; ImproperlyConfigured (in Chinese, naming the rule) when malformed.
    Pure (no settings), so the production checks in settings.py use it too."""
    entries = [e.strip() for e in (text or "").split(",") if e.strip()]
    if not entries:
        raise ImproperlyConfigured("BANGBAN_FIELD_KEYS 为空")
    sm4: dict[str, bytes] = {}
    fernets: list[Fernet] = []
    for n, entry in enumerate(entries, start=1):
        kid, sep, key = entry.partition(":")
        if sep:
            if not KEY_ID_RE.match(kid):
                raise ImproperlyConfigured(
                    f"BANGBAN_FIELD_KEYS 第 {n} 项：密钥编号只能由字母、数字、_、- 组成，最多 16 个字符"
                )
            if not SM4_KEY_RE.match(key):
                raise ImproperlyConfigured(f"BANGBAN_FIELD_KEYS 第 {n} 项：SM4 密钥应为 32 位十六进制数字")
            if kid in sm4:
                raise ImproperlyConfigured(f"BANGBAN_FIELD_KEYS 第 {n} 项：密钥编号 {kid} 重复")
            sm4[kid] = bytes.fromhex(key)
        elif _is_fernet_key(entry):
            if n == 1:
                raise ImproperlyConfigured(
                    "BANGBAN_FIELD_KEYS 第 1 项（最新密钥）须为 SM4 密钥（编号:32 位十六进制），"
                    "旧的 Fernet 密钥只能列在其后用于解密"
                )
            fernets.append(Fernet(entry))
        else:
            raise ImproperlyConfigured(
                f"BANGBAN_FIELD_KEYS 第 {n} 项格式不正确：应为“编号:32 位十六进制 SM4 密钥”或旧的 Fernet 密钥"
            )
    return Keyring(current_id=next(iter(sm4)), sm4=sm4, legacy=MultiFernet(fernets) if fernets else None)


def _derived(purpose: bytes) -> bytes:
    return sm3_digest(purpose + settings.SECRET_KEY.encode())


@cache
def keyring() -> Keyring:
    configured = getattr(settings, "BANGBAN_FIELD_KEYS", "")
    if configured:
        return parse_keys(configured)
    # Development: keys derived from SECRET_KEY. The legacy Fernet key is the one the Fernet version
    # of this module derived, so development data written before the move to SM4 still decrypts.
    legacy = hashlib.sha256(b"bangban-field-encryption:" + settings.SECRET_KEY.encode()).digest()
    return Keyring(
        current_id=DEV_KEY_ID,
        sm4={DEV_KEY_ID: _derived(b"bangban-field-encryption-sm4:")[:16]},
        legacy=MultiFernet([Fernet(base64.urlsafe_b64encode(legacy))]),
    )


@cache
def _lookup_key() -> bytes:
    configured = getattr(settings, "BANGBAN_LOOKUP_KEY", "")
    return configured.encode() if configured else _derived(b"bangban-lookup-hash-sm3:")


@receiver(setting_changed)
def _forget_keys(*, setting, **kwargs):
    if setting in ("BANGBAN_FIELD_KEYS", "BANGBAN_LOOKUP_KEY", "SECRET_KEY"):
        keyring.cache_clear()
        _lookup_key.cache_clear()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encrypt(value: str) -> str:
    """The value encrypted under the newest key ("" stays "")."""
    if not value:
        return ""
    ring = keyring()
    header = f"{FORMAT}:{ring.current_id}"
    nonce = os.urandom(NONCE_BYTES)
    encryptor = Cipher(algorithms.SM4(ring.sm4[ring.current_id]), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(header.encode())
    body = encryptor.update(value.encode()) + encryptor.finalize()
    return f"{header}:{_b64(nonce + body + encryptor.tag)}"


def key_id(token: str) -> str | None:
    """The id of the key a ciphertext was written under; None for a legacy (Fernet) value or ""."""
    if token.startswith(FORMAT + ":"):
        return token.split(":", 2)[1]
    return None


def is_current(token: str) -> bool:
    """True when the value needs no re-encryption: empty, or under the newest key."""
    return not token or key_id(token) == keyring().current_id


def decrypt(token: str) -> str:
    """The plaintext of `token`; DecryptionError (a ValueError) for an unknown or wrong key or an
    altered value: never garbage."""
    if not token:
        return ""
    ring = keyring()
    if not token.startswith(FORMAT + ":"):
        if ring.legacy is None:
            raise DecryptionError("无法解密：旧格式数据的密钥未配置")
        try:
            return ring.legacy.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise DecryptionError("无法解密：密钥不匹配或数据被篡改") from exc
    parts = token.split(":", 2)
    if len(parts) != 3:
        raise DecryptionError("无法解密：数据格式不正确")
    _, kid, payload = parts
    key = ring.sm4.get(kid)
    if key is None:
        raise DecryptionError(f"无法解密：密钥 {kid} 未配置")
    try:
        raw = _unb64(payload)
    except (binascii.Error, ValueError) as exc:
        raise DecryptionError("无法解密：数据格式不正确") from exc
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("无法解密：数据格式不正确")
    nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(f"{FORMAT}:{kid}".encode())
    try:
        plain = decryptor.update(body) + decryptor.finalize()
    except InvalidTag as exc:
        raise DecryptionError("无法解密：密钥不匹配或数据被篡改") from exc
    try:
        return plain.decode()
    except UnicodeDecodeError as exc:  # pragma: no cover - authenticated data we wrote ourselves
        raise DecryptionError("无法解密：数据格式不正确") from exc


def reencrypt(token: str) -> str:
    """The value under the newest key (unchanged when it already is)."""
    return token if is_current(token) else encrypt(decrypt(token))


def normalize(value: str) -> str:
    """What a lookup hash is taken of: no whitespace, upper case (an ID number's x, as typed)."""
    return "".join((value or "").split()).upper()


def lookup_hash(value: str) -> str:
    """HMAC-SM3 of the normalized value, 64 hex digits ("" for "")."""
    value = normalize(value)
    if not value:
        return ""
    return hmac_sm3(_lookup_key(), value.encode())


def phone_columns(phone: str) -> dict[str, str]:
    """The stored form of a phone number (the same three columns on every model that keeps one):
    the ciphertext, the lookup hash that finds it, and the mask that lists show."""
    from bangban.core.ids import mask_phone

    return {
        "phone_encrypted": encrypt(phone),
        "phone_hash": lookup_hash(phone),
        "phone_masked": mask_phone(phone),
    }
