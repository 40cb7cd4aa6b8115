"""Key rotation for the national IDs at rest: re-encrypt and re-hash everything still on an older key.

Called by ``manage.py registry_rotate_keys`` after a new key was put first in ``GEO_PORTAL_REGISTRY_ENCRYPTION_KEYS``
or ``GEO_PORTAL_REGISTRY_HASH_KEYS`` (the old ones kept after it until this has run). Persons are rewritten in
batches, each batch its own transaction, so a run can stop anywhere and be started again: it picks up the rows
still on an old key. The encrypted IDs inside registration events' details (new persons of births and move-ins)
are re-encrypted the same way. Nothing is decrypted into a log or an error message.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction

from geo_portal.registry import crypto
from geo_portal.registry.models import RegistrationEvent

_STALE = """SELECT id, national_id_encrypted, national_id_key FROM registry_person
WHERE (national_id_key <> %(key)s OR national_id_hash_key <> %(hash_key)s) AND id > %(after)s ORDER BY id LIMIT %(batch)s"""

_REWRITE = """UPDATE registry_person p
SET national_id_encrypted = v.encrypted, national_id_key = %(key)s, national_id_hash = v.hash,
    national_id_hash_key = %(hash_key)s, version = p.version + 1
FROM unnest(%(ids)s::bigint[], %(encrypted)s::bytea[], %(hashes)s::bytea[]) AS v(id, encrypted, hash)
WHERE p.id = v.id"""


@dataclass(frozen=True)
class RotationResult:
    persons: int
    events: int
    encryption_key: int
    hash_key: int


def stale_counts() -> dict[str, int]:
    """How many persons are still on an older encryption or hash key (``registry_rotate_keys --check``)."""
    enc, hsh = crypto.encryption_keys().current, crypto.hash_keys().current
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FILTER (WHERE national_id_key <> %s), count(*) FILTER (WHERE national_id_hash_key <> %s) "
            "FROM registry_person",
            [enc, hsh],
        )
        old_enc, old_hash = cur.fetchone()
    return {"encryption": old_enc, "hash": old_hash}


def rotate_keys(*, batch: int = 5000, progress: Callable[[int], None] | None = None) -> RotationResult:
    """Re-encrypt and re-hash every person on an older key, then the events' encrypted details."""
    enc, hsh = crypto.encryption_keys().current, crypto.hash_keys().current
    persons, after = 0, 0
    while True:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(_STALE, {"key": enc, "hash_key": hsh, "after": after, "batch": batch})
            rows = cur.fetchall()
            if not rows:
                break
            values = [crypto.decrypt(bytes(blob), key) for _id, blob, key in rows]
            cur.execute(
                _REWRITE,
                {
                    "key": enc,
                    "hash_key": hsh,
                    "ids": [row[0] for row in rows],
                    "encrypted": [crypto.encrypt(v)[0] for v in values],
                    "hashes": [crypto.keyed_hash(v)[0] for v in values],
                },
            )
        persons += len(rows)
        after = rows[-1][0]
        if progress:
            progress(len(rows))
    return RotationResult(persons=persons, events=_rotate_event_details(enc), encryption_key=enc, hash_key=hsh)


def _reencrypt(value, current: int) -> tuple[object, bool]:
    """Walk an event's details; re-encrypt every ``{"encrypted", "key"}`` on an older key."""
    if isinstance(value, dict):
        if set(value) == {"encrypted", "key"} and value["key"] != current:
            plain = crypto.decrypt(base64.b64decode(value["encrypted"]), value["key"])
            blob, key = crypto.encrypt(plain)
            return {"encrypted": base64.b64encode(blob).decode(), "key": key}, True
        changed = False
        out = {}
        for k, v in value.items():
            out[k], c = _reencrypt(v, current)
            changed |= c
        return out, changed
    if isinstance(value, list):
        pairs = [_reencrypt(v, current) for v in value]
        return [p[0] for p in pairs], any(p[1] for p in pairs)
    return value, False


def _rotate_event_details(current: int) -> int:
    count = 0
    kinds = [RegistrationEvent.Kind.BIRTH, RegistrationEvent.Kind.MOVE_IN]
    ids = list(RegistrationEvent.objects.filter(kind__in=kinds).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), 500):
        with transaction.atomic():
            for event in RegistrationEvent.objects.select_for_update().filter(pk__in=ids[start : start + 500]):
                details, changed = _reencrypt(event.details, current)
                if changed:
                    # Only the details: the event's status and version are the review's, not the key's.
                    RegistrationEvent.objects.filter(pk=event.pk).update(details=details)
                    count += 1
    return count
