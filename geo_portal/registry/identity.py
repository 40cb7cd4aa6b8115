"""National IDs as the register stores and finds them: the acceptance rules, the stored form, lookups by hash.

Used by the event services (a new person's ID), the selectors (search by ID, decrypting for display) and the
synthetic register generator (stored form). Refusal messages are translated and never repeat the ID in full.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from geo_portal.registry import crypto, national_id
from geo_portal.registry.national_id import InvalidNationalId, Kind

SEX_LABELS = {"M": gettext_lazy("male"), "F": gettext_lazy("female")}


@dataclass(frozen=True)
class StoredId:
    """The columns of ``Person`` that hold an ID: ciphertext and key id, keyed hash and hash key id."""

    encrypted: bytes
    key: int
    hash: bytes
    hash_key: int


def stored(value: str) -> StoredId:
    """Encrypt and hash a normalised, valid ID under the current keys."""
    blob, key = crypto.encrypt(value)
    digest, hash_key = crypto.keyed_hash(value)
    return StoredId(encrypted=blob, key=key, hash=digest, hash_key=hash_key)


def reveal(encrypted: bytes | memoryview, key: int) -> str:
    return crypto.decrypt(bytes(encrypted), key)


def invalid_reason(error: InvalidNationalId) -> str:
    """The translated reason for a malformed ID."""
    reasons = {
        "empty": _("is required"),
        "length": _("must be 10 characters: a region letter and 9 digits"),
        "letter": _("must start with a region letter A–Z"),
        "second": _("second character must be 1 or 2 (citizens) or 0 (synthetic IDs)"),
        "digits": _("characters 3 to 10 must be digits"),
        "check_digit": _("check digit is wrong (it should be %(digit)s)") % {"digit": error.expected},
    }
    return reasons.get(error.code, str(error))


def acceptance_errors(text: str, *, sex: str | None) -> tuple[str | None, list[str]]:
    """(the normalised ID or None, reasons it cannot be registered): format, check digit, kind, sex, the
    installation's policy on real IDs. Uniqueness is checked by the caller (``find_person_id``)."""
    try:
        parsed = national_id.parse(text)
    except InvalidNationalId as exc:
        return None, [invalid_reason(exc)]
    reasons: list[str] = []
    if parsed.kind in (Kind.RESIDENT, Kind.OLD_RESIDENT):
        reasons.append(
            _(
                "is a resident certificate number (統一證號), not a national ID: "
                "foreign residents are not in the household register"
            )
        )
    elif parsed.kind is Kind.CITIZEN:
        if not settings.REGISTRY_ACCEPT_REAL_IDS:
            reasons.append(
                _(
                    "is outside the synthetic range (second digit 0): this installation holds synthetic data only "
                    "(GEO_PORTAL_REGISTRY_ACCEPT_REAL_IDS is off)"
                )
            )
        elif sex is not None and parsed.sex != sex:
            reasons.append(
                _("its second digit says %(id_sex)s but the sex given is %(sex)s")
                % {"id_sex": SEX_LABELS[parsed.sex], "sex": SEX_LABELS.get(sex, sex)}
            )
    return parsed.value, reasons


def is_synthetic(value: str) -> bool:
    return national_id.is_synthetic(value)


def find_person_id(value: str) -> int | None:
    """The person holding a normalised ID (hashed under every configured hash key), or None."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id FROM registry_person WHERE national_id_hash = ANY(%s::bytea[]) LIMIT 1", [crypto.lookup_hashes(value)]
        )
        row = cur.fetchone()
    return row[0] if row else None
