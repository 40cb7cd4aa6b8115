"""API tokens and signing secrets: making them and checking a presented token (pure, standard library only).

A token reads ``gpa_<prefix>_<secret>``: the prefix finds its row, the secret is compared as SHA-256 in constant
time; only the digest is stored. A signing secret is ``whsec_`` + base64 of 32 random bytes (Standard Webhooks).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

TOKEN_PREFIX = "gpa_"  # noqa: S105 (a marker, not a secret)


def new_token() -> tuple[str, str, str]:
    """(the token to hand over once, its prefix, its digest)."""
    prefix = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return token, prefix, digest(token)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def split(token: str) -> str | None:
    """The prefix of a well-formed token, else None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    prefix, _, rest = token[len(TOKEN_PREFIX) :].partition("_")
    return prefix if len(prefix) == 12 and rest else None


def matches(token: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(token), stored_digest)


def new_signing_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
