"""core.crypto: SM4-GCM field encryption, HMAC-SM3 lookup hashes, key rotation, legacy Fernet reads."""

import base64

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from bangban.core import crypto

K1 = "k1:" + "11" * 16
K2 = "k2:" + "22" * 16
OTHER = "k1:" + "33" * 16  # same id as K1, another key


def test_round_trip_and_format():
    token = crypto.encrypt("320502199001011234")
    assert token.startswith("sm4gcm1:dev:")
    assert "320502199001011234" not in token
    assert crypto.decrypt(token) == "320502199001011234"
    assert crypto.encrypt("") == "" and crypto.decrypt("") == ""


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=300))
def test_round_trip_any_text(value):
    assert crypto.decrypt(crypto.encrypt(value)) == value


def test_a_fresh_nonce_per_value():
    a, b = crypto.encrypt("13812345678"), crypto.encrypt("13812345678")
    assert a != b
    assert crypto.decrypt(a) == crypto.decrypt(b) == "13812345678"


def test_it_is_sm4_gcm_with_the_configured_key():
    with override_settings(BANGBAN_FIELD_KEYS=K1):
        token = crypto.encrypt("13812345678")
    raw = base64.urlsafe_b64decode(token.split(":")[2] + "==")
    nonce, body, tag = raw[:12], raw[12:-16], raw[-16:]
    decryptor = Cipher(algorithms.SM4(bytes.fromhex("11" * 16)), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(b"sm4gcm1:k1")
    assert decryptor.update(body) + decryptor.finalize() == b"13812345678"


def _flip(token: str, index: int) -> str:
    head, payload = token.rsplit(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    raw[index] ^= 0x01
    return head + ":" + base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


@pytest.mark.parametrize("index", [0, 11, 12, 14, -17, -1])  # nonce, ciphertext, tag
def test_any_modified_byte_is_detected(index):
    token = crypto.encrypt("13812345678")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(_flip(token, index))


def test_altered_header_or_truncation_is_detected():
    with override_settings(BANGBAN_FIELD_KEYS=f"{K1},k9:" + "11" * 16):  # the same key under two ids
        token = crypto.encrypt("13812345678")
        relabelled = token.replace(":k1:", ":k9:")
        with pytest.raises(crypto.DecryptionError):  # the header is authenticated
            crypto.decrypt(relabelled)
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(token[:-30])
        for broken in ("sm4gcm1:k1:***", "sm4gcm1:k1", "sm4gcm1:", "garbage"):
            with pytest.raises(crypto.DecryptionError):
                crypto.decrypt(broken)


def test_wrong_key_and_unknown_key_are_refused():
    with override_settings(BANGBAN_FIELD_KEYS=K1):
        token = crypto.encrypt("13812345678")
    with override_settings(BANGBAN_FIELD_KEYS=OTHER), pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token)
    with override_settings(BANGBAN_FIELD_KEYS=K2), pytest.raises(crypto.DecryptionError, match="k1"):
        crypto.decrypt(token)


def test_rotation_encrypts_with_the_newest_and_reads_all():
    with override_settings(BANGBAN_FIELD_KEYS=K1):
        old = crypto.encrypt("13812345678")
        assert crypto.is_current(old)
    with override_settings(BANGBAN_FIELD_KEYS=f"{K2},{K1}"):
        assert crypto.decrypt(old) == "13812345678"
        assert not crypto.is_current(old)
        new = crypto.reencrypt(old)
        assert crypto.key_id(new) == "k2" and crypto.is_current(new)
        assert crypto.reencrypt(new) == new  # already current: unchanged
    with override_settings(BANGBAN_FIELD_KEYS=K2):
        assert crypto.decrypt(new) == "13812345678"
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(old)


def test_legacy_fernet_values_still_decrypt_until_reencrypted():
    fernet_key = Fernet.generate_key().decode()
    legacy = Fernet(fernet_key).encrypt(b"320502199001011234").decode()
    with override_settings(BANGBAN_FIELD_KEYS=f"{K1},{fernet_key}"):
        assert crypto.key_id(legacy) is None and not crypto.is_current(legacy)
        assert crypto.decrypt(legacy) == "320502199001011234"
        assert crypto.key_id(crypto.reencrypt(legacy)) == "k1"
    with override_settings(BANGBAN_FIELD_KEYS=K1), pytest.raises(crypto.DecryptionError):
        crypto.decrypt(legacy)


def test_development_reads_values_of_the_fernet_era():
    # What the Fernet version of this module wrote without configured keys.
    import hashlib

    from django.conf import settings as django_settings

    derived = hashlib.sha256(b"bangban-field-encryption:" + django_settings.SECRET_KEY.encode()).digest()
    legacy = Fernet(base64.urlsafe_b64encode(derived)).encrypt(b"13812345678").decode()
    assert crypto.decrypt(legacy) == "13812345678"


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ("bYkPTwZ9KwqNO1Y8Wvt9ycqd7ABYWrAbBMQLJWU1Lgo=", "须为 SM4 密钥"),  # a Fernet key first
        ("k1:abc", "32 位十六进制"),
        ("k 1:" + "11" * 16, "密钥编号"),
        (f"{K1},k1:" + "22" * 16, "重复"),
        (f"{K1},not-a-key", "格式不正确"),
    ],
)
def test_malformed_key_lists_are_refused(keys, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        crypto.parse_keys(keys)


def test_lookup_hash_is_keyed_hmac_sm3():
    from cryptography.hazmat.primitives import hashes, hmac

    with override_settings(BANGBAN_LOOKUP_KEY="L" * 40):
        h = crypto.lookup_hash("32050219900101123x")
        mac = hmac.HMAC(b"L" * 40, hashes.SM3())
        mac.update(b"32050219900101123X")
        assert h == mac.finalize().hex() and len(h) == 64
        assert crypto.lookup_hash(" 138 1234 5678 ") == crypto.lookup_hash("13812345678")
    with override_settings(BANGBAN_LOOKUP_KEY="M" * 40):
        assert crypto.lookup_hash("32050219900101123X") != h  # another key, another hash
    assert crypto.lookup_hash("") == ""


def test_sm3_known_answer():
    # GB/T 32905-2016 appendix A, example 1.
    assert crypto.sm3_digest(b"abc").hex() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )
