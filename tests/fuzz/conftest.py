"""Shared set-up of the fuzzing tests: a small data set, throttles lifted, and a fingerprint of the stored plates."""

from __future__ import annotations

import hashlib

import pytest
from django.core import signals
from django.db import close_old_connections, connection
from rest_framework.views import APIView

from geo_portal.addresses.imports import import_doorplates
from geo_portal.areas.models import VillagePopulation
from geo_portal.buildings.models import Building
from tests.conftest import X0, Y0, square, write_csv


@pytest.fixture
def keep_connection():
    """Requests sent straight to the WSGI application would close the test's connection when they end (Django's
    test client lifts this too): kept open, they run in the test's transaction, rolled back after it."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_data(areas, tmp_path, settings, monkeypatch, keep_connection):
    """Plates, a building and population; every throttle lifted (the fuzzer sends hundreds of requests a minute)."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": dict.fromkeys(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]),
    }
    monkeypatch.setattr(APIView, "get_throttles", lambda self: [])
    settings.GEOCODE_BATCH_DIR = tmp_path / "batch"
    settings.MEDIA_ROOT = tmp_path / "media"
    path = write_csv(
        tmp_path / "p.csv",
        ["address", "x", "y"],
        [
            ["新竹市東區光復路二段1號", X0 + 10, Y0 + 10],
            ["新竹市東區光復路二段3號", X0 + 20, Y0 + 10],
            ["新竹市東區光復路二段3號5樓", X0 + 20, Y0 + 10],
            ["新竹市東區建中路7號", X0 + 500, Y0 + 500],
        ],
    )
    import_doorplates(path=path, columns={"address": "address", "x": "x", "y": "y"}, srid=3826, report_dir=tmp_path)
    Building.objects.create(geom=square(X0, Y0, 30), name="光復大樓", floors=5, source="test", source_id="b1")
    VillagePopulation.objects.create(
        village=areas["a"],
        month="2026-06-01",
        neighborhoods=3,
        neighborhoods_with_plates=3,
        households=120,
        population=300,
        male=140,
        female=160,
        source="test",
    )
    return areas


def plates_fingerprint() -> str:
    """A digest of every stored plate row: a fuzzer's requests must leave it unchanged."""
    with connection.cursor() as cur:
        cur.execute("SELECT md5(coalesce(string_agg(p::text, '|' ORDER BY p.id), '')) FROM addresses_doorplate p")
        digest = cur.fetchone()[0]
    return hashlib.sha256(digest.encode()).hexdigest()
