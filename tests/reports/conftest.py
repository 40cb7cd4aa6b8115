"""Fixtures for citizen reports: two plates (one retired), photos built in memory, a private media folder."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import translation
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from geo_portal.addresses.imports import import_doorplates
from geo_portal.addresses.models import DoorPlate
from tests.conftest import X0, Y0, write_csv

GPS = {1: "N", 2: (24.0, 47.0, 30.5), 3: "E", 4: (120.0, 59.0, 10.0)}


@pytest.fixture
def plates(areas, tmp_path):
    path = write_csv(
        tmp_path / "p.csv",
        ["address", "x", "y"],
        [["新竹市東區光復路二段1號", X0 + 10, Y0 + 10], ["新竹市東區光復路二段3號", X0 + 20, Y0 + 10]],
    )
    import_doorplates(path=path, columns={"address": "address", "x": "x", "y": "y"}, srid=3826, report_dir=tmp_path)
    DoorPlate.objects.filter(address="新竹市東區光復路二段3號").update(
        status="retired", retired_on=dt.date(2026, 1, 5), retired_reason="renumbered"
    )
    return {
        "active": DoorPlate.objects.get(address="新竹市東區光復路二段1號"),
        "retired": DoorPlate.objects.get(address="新竹市東區光復路二段3號"),
    }


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Photos go to a folder of this test only."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in their English source form, whatever the zh-Hant catalogue holds."""
    with translation.override("en"):
        yield


def media_files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def jpeg_bytes(*, gps: dict | None = None, orientation: int | None = None, size=(40, 30), xmp: bytes = b"") -> bytes:
    """A small JPEG with camera EXIF (make, optional orientation and GPS), an optional XMP packet and a comment."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = gps
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG", exif=exif.tobytes(), comment=b"taken at home", xmp=xmp)
    return out.getvalue()


def heic_bytes(*, gps: dict | None = None, size=(64, 48)) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    if gps:
        exif[0x8825] = gps
    out = io.BytesIO()
    Image.new("RGB", size, (30, 30, 200)).save(out, "HEIF", exif=exif.tobytes())
    return out.getvalue()


def png_bytes() -> bytes:
    """An RGBA PNG with an eXIf chunk (GPS) and a text chunk."""
    exif = Image.Exif()
    exif[0x8825] = GPS
    text = PngInfo()
    text.add_text("Comment", "taken at home")
    image = Image.new("RGBA", (20, 10), (10, 20, 30, 128))
    out = io.BytesIO()
    image.save(out, "PNG", exif=exif.tobytes(), pnginfo=text)
    return out.getvalue()
