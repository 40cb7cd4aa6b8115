"""Daily digest files for agencies that take files: CSV and JSON, signed, written once, the messages filed."""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import json
from pathlib import Path

import pytest
from django.utils import timezone

from geo_portal.notifications.digests import digest_build
from geo_portal.notifications.dispatch import dispatch_once
from geo_portal.notifications.models import Message
from geo_portal.notifications.services import subscription_create, token_issue
from tests.notifications.conftest import new_plate

pytestmark = pytest.mark.django_db(transaction=True)


def verify(data: bytes, signature_file: Path, secret: str) -> bool:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(hmac.new(key, data, hashlib.sha256).digest()).decode()
    return any(sig == f"v1,{expected}" for sig in signature_file.read_text().split())


def test_a_day_of_messages_in_signed_files(street, make_agency, office):
    sub, secret = subscription_create(actor=office, agency=make_agency("land", "land"), event_kinds=["plate.created"],
                                      mode="digest")  # fmt: skip
    plates = [new_plate(street, n) for n in (91, 93)]
    assert dispatch_once() == 2
    day = timezone.localdate()
    digest = digest_build(subscription=sub, day=day)
    assert digest.messages == 2
    csv_path, json_path = Path(digest.csv_path), Path(digest.json_path)
    assert csv_path.name == f"notifications-{sub.pk}-{day:%Y%m%d}.csv" and csv_path.parent.name == "land"
    rows = list(csv.DictReader(csv_path.read_text(encoding="utf-8-sig").splitlines()))
    assert [(r["event_type"], json.loads(r["data"])["plate_id"]) for r in rows] == [
        ("plate.created", plates[0].pk), ("plate.created", plates[1].pk)
    ]  # fmt: skip
    body = json.loads(json_path.read_bytes())
    assert [m["msg_id"] for m in body["messages"]] == [r["msg_id"] for r in rows]
    assert verify(csv_path.read_bytes(), csv_path.with_suffix(".csv.sig"), secret)
    assert verify(json_path.read_bytes(), json_path.with_suffix(".json.sig"), secret)
    assert not verify(csv_path.read_bytes() + b" ", csv_path.with_suffix(".csv.sig"), secret)
    assert list(Message.objects.values_list("status", flat=True)) == ["filed", "filed"]
    # Again: the same digest, nothing rewritten.
    assert digest_build(subscription=sub, day=day).pk == digest.pk


@pytest.mark.urls("tests.notifications.urls")
def test_the_agency_downloads_its_digest_with_its_signature(street, make_agency, office, client):
    agency = make_agency("land", "land")
    sub, secret = subscription_create(actor=office, agency=agency, event_kinds=["plate.created"], mode="digest")
    _, token = token_issue(actor=office, agency=agency, event_kinds=["plate.created"], detail_levels=["ids"])
    _, other = token_issue(actor=office, agency=make_agency("tax", "tax"), event_kinds=["plate.created"],
                           detail_levels=["ids"])  # fmt: skip
    new_plate(street, 95)
    dispatch_once()
    digest = digest_build(subscription=sub, day=timezone.localdate())
    auth = {"Authorization": f"Bearer {token}"}
    listing = client.get("/notifications/digests/", headers=auth).json()
    assert listing == {"digests": [{"id": digest.pk, "subscription": sub.pk, "day": digest.day.isoformat(), "messages": 1,
                                    "csv": f"/notifications/digests/{digest.pk}.csv",
                                    "json": f"/notifications/digests/{digest.pk}.json"}]}  # fmt: skip
    response = client.get(f"/notifications/digests/{digest.pk}.csv", headers=auth)
    data = b"".join(response.streaming_content)
    assert response.status_code == 200 and data == Path(digest.csv_path).read_bytes()
    key = base64.b64decode(secret.removeprefix("whsec_"))
    assert response["webhook-signature"] == "v1," + base64.b64encode(hmac.new(key, data, hashlib.sha256).digest()).decode()
    digest.refresh_from_db()
    assert digest.downloaded_at is not None
    # Another agency's token does not see it; no token is 401.
    assert client.get(f"/notifications/digests/{digest.pk}.json", headers={"Authorization": f"Bearer {other}"}).json() == {
        "error": f"no digest {digest.pk} of your agency"
    }
    assert client.get("/notifications/digests/").status_code == 401
