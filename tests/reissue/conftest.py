"""A small re-issuance world: the census's street (光復路二段 in village 甲里, plates 1–11 and 5號2樓) and its
campaign, staff in every role that takes part (clerks, reviewers, census supervisors and surveyors), the office's fee
schedule, census findings that call for new plates, photos with and without a GPS position, the office's service point
and plates in the conditions that resident notices are about."""

from __future__ import annotations

import datetime as dt
import io
import socket
import uuid

import pytest
from aiosmtpd.controller import Controller
from django.test import Client
from django.utils import timezone, translation
from PIL import Image

from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.plates import plate_set_condition
from geo_portal.census.models import Finding
from geo_portal.census.review import finding_accept
from geo_portal.census.services import task_claim
from geo_portal.census.sync import sync_findings
from geo_portal.core.geo import transform_point
from geo_portal.offices.models import ServicePoint
from geo_portal.reissue.services import Applicant, PlateRequest, case_open, fee_schedule_add
from tests.accounts.factories import PASSWORD, make_staff
from tests.census.conftest import along, campaign, street
from tests.jobs.conftest import queue, run_worker  # the real job worker on an empty queue

FEES_FROM = dt.date(2026, 1, 1)
CHECKED = dt.date(2026, 11, 20)
APPLICANT = Applicant(name="王小明", phone="03-5234567", email="ming@example.tw")


@pytest.fixture(autouse=True)
def _english():
    """Messages asserted in English (the site's default language is zh-Hant)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Installation photos go to a folder of this test only."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def staff(db):
    """The census's staff (same keys as tests/census) and the re-issuance's clerks and reviewers."""
    return {
        "supervisor": make_staff("sup1", "census_supervisor"),
        "supervisor2": make_staff("sup2", "census_supervisor"),
        "surveyor": make_staff("sur1", "surveyor"),
        "surveyor2": make_staff("sur2", "surveyor"),
        "clerk": make_staff("clerk1", "clerk"),
        "clerk2": make_staff("clerk2", "clerk"),
        "reviewer": make_staff("boss1", "reviewer"),
        "reviewer2": make_staff("boss2", "reviewer"),
    }


@pytest.fixture
def fees(staff):
    """NT$200 a door plate, NT$150 a floor plate, NT$500 a lane sign, from 2026-01-01."""
    boss = staff["reviewer"]
    return [
        fee_schedule_add(plate_kind="standard", amount=200, valid_from=FEES_FROM, actor=boss),
        fee_schedule_add(plate_kind="floor", amount=150, valid_from=FEES_FROM, actor=boss),
        fee_schedule_add(plate_kind="lane_sign", amount=500, valid_from=FEES_FROM, actor=boss),
    ]


@pytest.fixture
def counter_case(street, staff, fees):
    """A request at the counter for two door plates of 光復路二段7號 (with the applicant's e-mail)."""
    return case_open(
        source="counter",
        plates=[PlateRequest(street["plates"][7].pk, "standard", 2)],
        reason="missing",
        applicant=APPLICANT,
        actor=staff["clerk"],
    )


def set_condition(plate: DoorPlate, condition: str) -> DoorPlate:
    plate.refresh_from_db()
    return plate_set_condition(
        plate_id=plate.pk, version=plate.version, condition=condition, checked_on=CHECKED, actor="census"
    )


@pytest.fixture
def office(street):
    """The office's service point at 光復路二段2號 (where the letters send residents, and where the route starts)."""
    plate = street["plates"][2]
    return ServicePoint.objects.create(
        name="新竹市東區戶政事務所",
        name_en="Hsinchu City East District Household Registration Office",
        kind="office",
        address="新竹市東區光復路二段2號",
        location=along(2),
        plate=plate,
    )


@pytest.fixture
def conditions(street):
    """1號 missing, 3號 damaged, 5號2樓 damaged, 4號 old style, 8號 missing; 7號 ok; the rest unknown. The road's
    English name is loaded (the letters' English addresses)."""
    street["road"].name_en = "Sec. 2, Guangfu Rd."
    street["road"].save()
    p = street["plates"]
    for key, condition in ((1, "missing"), (3, "damaged"), ("5F2", "damaged"), (4, "old_style"), (8, "missing"),
                           (7, "ok")):  # fmt: skip
        set_condition(p[key], condition)
    return p


def uid(n: int) -> str:
    return str(uuid.UUID(int=n, version=4))


@pytest.fixture
def findings(campaign, staff):
    """Task 1 (光復路二段 odd 1–5) walked and validated: 1號 missing, 3號 damaged (both need new plates), 5號 ok."""
    now = timezone.now() - dt.timedelta(hours=1)
    task = task_claim(task_id=campaign.tasks.get(number=1).pk, user=staff["surveyor"], now=now)
    s1, s3, s5 = task.stops.order_by("seq")
    base = {"task": task.pk, "observed_at": now.isoformat(), "plate_version": 1}
    records = [
        {**base, "uuid": uid(1), "stop": s1.pk, "plate": s1.plate_ids[0], "kind": "missing"},
        {**base, "uuid": uid(2), "stop": s3.pk, "plate": s3.plate_ids[0], "kind": "damaged"},
        {**base, "uuid": uid(3), "stop": s5.pk, "plate": s5.plate_ids[0], "kind": "ok"},
    ]
    result = sync_findings(user=staff["surveyor"], device=None, records=records, submit=[task.pk], now=now)
    assert result.submitted == {task.pk: "submitted"}
    found = {kind: Finding.objects.get(uuid=uid(i)) for i, kind in ((1, "missing"), (2, "damaged"), (3, "ok"))}
    for finding in found.values():
        finding_accept(finding_id=finding.pk, user=staff["supervisor2"])
    return {kind: Finding.objects.get(pk=f.pk) for kind, f in found.items()}


def dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    return (float(degrees), float(minutes), round((minutes_full - minutes) * 60, 4))


def jpeg(*, lonlat: tuple[float, float] | None = None) -> io.BytesIO:
    """A small JPEG photo, with an EXIF GPS block at ``lonlat`` when given."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    if lonlat is not None:
        lon, lat = lonlat
        exif[0x8825] = {1: "N", 2: dms(lat), 3: "E", 4: dms(lon)}
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 120, 40)).save(out, "JPEG", exif=exif.tobytes())
    out.seek(0)
    out.name = "plate.jpg"
    return out


def lonlat_of(plate, dx: float = 0.0, dy: float = 0.0) -> tuple[float, float]:
    """WGS84 (lon, lat) of a point ``dx``, ``dy`` metres from the plate."""
    point = plate.geom.__class__(plate.geom.x + dx, plate.geom.y + dy, srid=3826)
    p = transform_point(point, 4326)
    return p.x, p.y


@pytest.fixture
def as_user(staff):
    """Factory: a test client signed in as one of the staff (English pages)."""

    def _client(name: str) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        assert client.login(username=staff[name].username, password=PASSWORD)
        return client

    return _client


class Inbox:
    """aiosmtpd handler: keeps every message that arrives."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on a free local port, and Django's SMTP backend pointed at it."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "戶政事務所 <office@example.tw>"
    yield inbox
    controller.stop()


__all__ = ["along", "campaign", "queue", "run_worker", "street"]
