"""National IDs at rest: AES-GCM round trip, keyed hashes, key rings from the environment, key rotation."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from geo_portal.registry import crypto
from geo_portal.registry.details import Birth, from_json
from geo_portal.registry.identity import find_person_id
from geo_portal.registry.models import Person, RegistrationEvent
from geo_portal.registry.services.events import event_create
from tests.registry.conftest import person

NEW_KEY = base64.urlsafe_b64encode(b"n" * 32).decode()
NEW_HASH_KEY = base64.urlsafe_b64encode(b"h" * 32).decode()


def test_encryption_round_trip_is_randomised_and_tamper_evident():
    one, key = crypto.encrypt("O000000011")
    two, _ = crypto.encrypt("O000000011")
    assert key == 1 and one != two and len(one) == 12 + 10 + 16
    assert crypto.decrypt(one, key) == "O000000011"
    tampered = one[:-1] + bytes([one[-1] ^ 1])
    with pytest.raises(crypto.DecryptionFailed, match="a national ID does not decrypt with key 1"):
        crypto.decrypt(tampered, key)
    with pytest.raises(crypto.DecryptionFailed, match="key 7 is not in GEO_PORTAL_REGISTRY_ENCRYPTION_KEYS"):
        crypto.decrypt(one, 7)


def test_keyed_hash_is_deterministic_and_depends_on_the_key(settings):
    digest, key = crypto.keyed_hash("O000000011")
    assert (key, len(digest), crypto.keyed_hash("O000000011")[0]) == (1, 32, digest)
    settings.REGISTRY_HASH_KEYS = f"2:{NEW_HASH_KEY},{settings.REGISTRY_HASH_KEYS}"
    new, new_key = crypto.keyed_hash("O000000011")
    assert new_key == 2 and new != digest
    assert crypto.lookup_hashes("O000000011") == [new, digest]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "GEO_PORTAL_REGISTRY_ENCRYPTION_KEYS is not set: the household register needs its keys"),
        ("abc", "GEO_PORTAL_REGISTRY_ENCRYPTION_KEYS: entry 1 must be '<id 1–32767>:<base64 key>'"),
        ("0:" + NEW_KEY, "GEO_PORTAL_REGISTRY_ENCRYPTION_KEYS: entry 1 must be '<id 1–32767>:<base64 key>'"),
        ("1:c2hvcnQ=", "GEO_PORTAL_REGISTRY_ENCRYPTION_KEYS: key 1 has 5 bytes; keys have 32"),
        (f"1:{NEW_KEY},1:{NEW_KEY}", "GEO_PORTAL_REGISTRY_ENCRYPTION_KEYS: key id 1 is listed twice"),
        ("1:%%%", "GEO_PORTAL_REGISTRY_ENCRYPTION_KEYS: key 1 is not base64"),
    ],
)
def test_key_rings_from_the_environment_are_checked(settings, value, message):
    settings.REGISTRY_ENCRYPTION_KEYS = value
    with pytest.raises(ImproperlyConfigured, match=message.replace("(", r"\(").replace(")", r"\)")):
        crypto.encrypt("O000000011")


def test_rotation_re_encrypts_and_re_hashes_persons_and_pending_events(family, staff, settings, capsys):
    born = dt.date(2026, 1, 10)
    pending = event_create(
        actor=staff["ann"],
        kind="birth",
        effective_date=born,
        details=Birth(household_id=family["household"].pk, child=person(10, "陳小華", "F", born, "son")),
    )
    old_encryption, old_hash = settings.REGISTRY_ENCRYPTION_KEYS, settings.REGISTRY_HASH_KEYS
    settings.REGISTRY_ENCRYPTION_KEYS = f"2:{NEW_KEY},{old_encryption}"
    settings.REGISTRY_HASH_KEYS = f"3:{NEW_HASH_KEY},{old_hash}"
    call_command("registry_rotate_keys", "--check")
    assert capsys.readouterr().out == "persons on an older encryption key: 3; on an older hash key: 3\n"
    call_command("registry_rotate_keys", "--batch", "2")
    assert capsys.readouterr().out == (
        "re-encrypted 3 persons (encryption key 2, hash key 3) and the details of 2 registration events; "
        "none is left on an older key\n"
    )
    assert set(Person.objects.values_list("national_id_key", "national_id_hash_key")) == {(2, 3)}
    # The old keys can go now: everything still decrypts and is found.
    settings.REGISTRY_ENCRYPTION_KEYS = f"2:{NEW_KEY}"
    settings.REGISTRY_HASH_KEYS = f"3:{NEW_HASH_KEY}"
    son = family["people"]["陳小明"]
    assert crypto.decrypt(bytes(Person.objects.get(pk=son.pk).national_id_encrypted), 2) == "O000000039"
    assert find_person_id("O000000039") == son.pk
    event = RegistrationEvent.objects.get(pk=pending.pk)
    assert (from_json("birth", event.details).child.national_id, event.version) == (person(10, "", "F", born).national_id, 1)
    call_command("registry_rotate_keys")
    assert capsys.readouterr().out.startswith("re-encrypted 0 persons")


def test_new_key_prints_a_ring_entry(capsys):
    call_command("registry_new_key", "--id", "4")
    key_id, key = capsys.readouterr().out.strip().split(":")
    assert key_id == "4" and len(base64.urlsafe_b64decode(key)) == 32
