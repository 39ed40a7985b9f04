"""D-3: personal data at rest. AES-256-GCM encryption with key rotation, HMAC-SHA256 blind index.

Keys come from settings.PII_KEYS ("keyid:base64key", first one encrypts) and
settings.PII_INDEX_KEY; never from SECRET_KEY. A value that fails to decrypt raises: we never
hand ciphertext to a caller as if it were data.
"""

import base64
import hashlib
import hmac
import os
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_VERSION = b"\x01"


class PiiDecryptionError(Exception):
    pass


@cache
def _keys(raw: tuple[str, ...]) -> list[tuple[bytes, bytes]]:
    keys = []
    for item in raw:
        key_id, _, b64 = item.partition(":")
        key = base64.b64decode(b64)
        if not key_id or len(key) != 32 or len(key_id.encode()) > 16:
            raise ImproperlyConfigured("Each PII_KEYS item must be 'id:base64 of 32 bytes'")
        keys.append((key_id.encode(), key))
    if not keys:
        raise ImproperlyConfigured("PII_KEYS is empty: run `make env` or set it")
    return keys


def _configured_keys() -> list[tuple[bytes, bytes]]:
    return _keys(tuple(settings.PII_KEYS))


def encrypt(plaintext: str) -> bytes:
    """Encrypt with the current key: version | key id length | key id | nonce | ciphertext+tag."""
    key_id, key = _configured_keys()[0]
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), key_id)
    return _VERSION + bytes([len(key_id)]) + key_id + nonce + sealed


def decrypt(blob: bytes) -> str:
    blob = bytes(blob)
    if not blob or blob[:1] != _VERSION:
        raise PiiDecryptionError("unknown ciphertext format")
    id_len = blob[1]
    key_id = blob[2 : 2 + id_len]
    nonce = blob[2 + id_len : 14 + id_len]
    sealed = blob[14 + id_len :]
    for candidate_id, key in _configured_keys():
        if candidate_id == key_id:
            try:
                return AESGCM(key).decrypt(nonce, sealed, key_id).decode("utf-8")
            except Exception as exc:  # noqa: BLE001  (cryptography raises InvalidTag)
                raise PiiDecryptionError("ciphertext failed authentication") from exc
    raise PiiDecryptionError("no key with this id is configured")


def blind_index(value: str, *, purpose: str = "id") -> str:
    """Keyed hash used to find a record by its ID number without decrypting every row."""
    key = settings.PII_INDEX_KEY
    if not key:
        raise ImproperlyConfigured("PII_INDEX_KEY is not set")
    digest = hmac.new(key.encode(), f"{purpose}:{value}".encode(), hashlib.sha256)
    return digest.hexdigest()


def generate_key_material() -> dict[str, str]:
    """Fresh keys for a local .env (make run) or a new deployment."""
    return {
        "PII_KEYS": "k1:" + base64.b64encode(os.urandom(32)).decode(),
        "PII_INDEX_KEY": base64.b64encode(os.urandom(32)).decode(),
        "AUDIT_CHAIN_KEY": base64.b64encode(os.urandom(32)).decode(),
        "DJANGO_SECRET_KEY": base64.urlsafe_b64encode(os.urandom(48)).decode(),
    }
