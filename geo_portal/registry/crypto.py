"""National IDs at rest: AES-256-GCM encryption and an HMAC-SHA256 keyed hash for exact lookups.

Called by the registry's services (a person's ID is encrypted and hashed when written), its selectors (search by
ID hashes the query; reads decrypt) and the synthetic register generator; ``registry_rotate_keys`` re-encrypts.

Keys come from the environment as key rings, ``"<id>:<base64 key>,<id>:<base64 key>"`` (ids 1–32767, keys 32
random bytes; ``manage.py registry_new_key`` prints one):

- ``GEO_PORTAL_REGISTRY_ENCRYPTION_KEYS``: the first key encrypts; every listed key decrypts. Each row stores the
  id of the key that encrypted it (``national_id_key``).
- ``GEO_PORTAL_REGISTRY_HASH_KEYS``: the first key hashes new IDs; a lookup hashes the query with every listed
  key, so rows hashed under an older key are still found. Each row stores its hash key's id.

Rotation: put a new key first in the ring (keep the old one after it), deploy, run ``manage.py
registry_rotate_keys`` (re-encrypts and re-hashes every row still on an older key, in batches, re-runnable), then
remove the old key. Why two keys: the hash must be deterministic (an exact lookup), the ciphertext must not be
(the same ID encrypted twice gives different bytes); and a leaked hash key alone reveals nothing.

Ciphertext layout: 12-byte random nonce + AES-GCM ciphertext and tag; the associated data binds it to its use
(``registry.person.national_id``) so a ciphertext copied into another field does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ASSOCIATED_DATA = b"registry.person.national_id"
NONCE_BYTES = 12
KEY_BYTES = 32


class DecryptionFailed(ValueError):
    """A ciphertext that no configured key opens (wrong key ring, or the bytes were altered)."""


@dataclass(frozen=True)
class KeyRing:
    """Keys by id; ``current`` is the id of the first (the one new values are written with)."""

    keys: dict[int, bytes]
    current: int

    @classmethod
    def parse(cls, text: str, *, setting: str) -> KeyRing:
        keys: dict[int, bytes] = {}
        order: list[int] = []
        for number, part in enumerate(p.strip() for p in text.split(",") if p.strip()):
            key_id, sep, encoded = part.partition(":")
            if not sep or not key_id.strip().isdigit() or not 1 <= int(key_id) <= 32767:
                raise ImproperlyConfigured(f"{setting}: entry {number + 1} must be '<id 1–32767>:<base64 key>'")
            try:
                key = base64.b64decode(encoded.strip().encode(), altchars=b"-_", validate=True)
            except (binascii.Error, ValueError):
                raise ImproperlyConfigured(f"{setting}: key {key_id} is not base64") from None
            if len(key) != KEY_BYTES:
                raise ImproperlyConfigured(f"{setting}: key {key_id} has {len(key)} bytes; keys have {KEY_BYTES}")
            if int(key_id) in keys:
                raise ImproperlyConfigured(f"{setting}: key id {key_id} is listed twice")
            keys[int(key_id)] = key
            order.append(int(key_id))
        if not keys:
            raise ImproperlyConfigured(
                f"{setting} is not set: the household register needs its keys (see README, 'Household registration')"
            )
        return cls(keys=keys, current=order[0])


def new_key() -> str:
    """A fresh random key, base64 (for a key ring entry)."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode()


@cache
def _ring(setting: str, text: str) -> KeyRing:
    return KeyRing.parse(text, setting=setting)


def encryption_keys() -> KeyRing:
    return _ring("GEO_PORTAL_REGISTRY_ENCRYPTION_KEYS", settings.REGISTRY_ENCRYPTION_KEYS)


def hash_keys() -> KeyRing:
    return _ring("GEO_PORTAL_REGISTRY_HASH_KEYS", settings.REGISTRY_HASH_KEYS)


@cache
def _cipher(key: bytes) -> AESGCM:
    return AESGCM(key)


def encrypt(value: str) -> tuple[bytes, int]:
    """(nonce + ciphertext, key id) of a normalised ID under the current key."""
    ring = encryption_keys()
    nonce = os.urandom(NONCE_BYTES)
    return nonce + _cipher(ring.keys[ring.current]).encrypt(nonce, value.encode(), ASSOCIATED_DATA), ring.current


def decrypt(blob: bytes, key_id: int) -> str:
    ring = encryption_keys()
    key = ring.keys.get(key_id)
    if key is None:
        raise DecryptionFailed(f"key {key_id} is not in GEO_PORTAL_REGISTRY_ENCRYPTION_KEYS (rotated out too early?)")
    data = bytes(blob)
    try:
        return _cipher(key).decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], ASSOCIATED_DATA).decode()
    except InvalidTag:
        raise DecryptionFailed(f"a national ID does not decrypt with key {key_id}") from None


def keyed_hash(value: str, key_id: int | None = None) -> tuple[bytes, int]:
    """(HMAC-SHA256 of a normalised ID, hash key id), under the current hash key unless one is named."""
    ring = hash_keys()
    key_id = ring.current if key_id is None else key_id
    return hmac.new(ring.keys[key_id], value.encode(), hashlib.sha256).digest(), key_id


def lookup_hashes(value: str) -> list[bytes]:
    """The hashes of a normalised ID under every configured hash key (a search matches any of them)."""
    ring = hash_keys()
    return [hmac.new(key, value.encode(), hashlib.sha256).digest() for key in ring.keys.values()]
