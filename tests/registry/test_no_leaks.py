"""Personal data never leaves through a public door: with a small synthetic register loaded (generated, plus a
move-in applied through review), every route of the URLconf is fetched anonymously — the public pages and API
with sample ids and parameters, the staff and admin pages as an anonymous visitor sees them — with every export
format of every layer, every change-feed page and snapshot, vector tiles around the registered plates, and error
pages; the bodies (exports opened: GeoPackage rows, Parquet tables) and everything logged at DEBUG are searched
for every synthetic national ID and name. The test lists where any appears, and first proves its own scan finds a
planted ID."""

from __future__ import annotations

import datetime as dt
import io
import logging
import math
import re
import sqlite3
import tempfile
from collections.abc import Iterator

import pyarrow.parquet as pq
import pytest
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from geo_portal.api.changes import ENTITIES
from geo_portal.exports.layers import FORMATS, LAYERS
from geo_portal.publicmap.tiles import LAYERS as TILE_LAYERS
from geo_portal.registry import crypto
from geo_portal.registry.details import MoveIn, NewHousehold
from geo_portal.registry.models import Household, Person
from geo_portal.registry.synthetic.load import generate_register
from tests.registry.conftest import person, through_review
from tests.registry.test_synthetic import reports  # noqa: F401 — a fixture

# The change log numbers a transaction when it commits: the feed shows only what was committed for real.
pytestmark = pytest.mark.django_db(transaction=True)

# Routes an anonymous visitor may reach without logging in; everything else must refuse or redirect to a login.
# The public map's pages for citizens too: an entrance with its floors, a road, batch geocoding.
PUBLIC_PREFIXES = ("/healthz", "/api/v1/", "/i18n/", "/reports/", "/districts/", "/stats/", "/cards/", "/tiles/",
                   "/entrances/", "/roads/", "/batch/")  # fmt: skip
TILE_ZOOMS = (12, 14, 16, 18)
ANONYMOUS_ELSEWHERE = [
    "/admin/login/",
    "/census/field/manifest.webmanifest",
    "/census/field/sw.js",
    "/reissue/status/",
    "/staff/login/",
]


@pytest.fixture
def register(reports, staff):  # noqa: F811
    """The generated register of 甲里 (8 persons) and a household moved in through review (2 more)."""
    generate_register(district_code="10018010", seed=115)
    plates = Household.objects.values_list("plate_id", flat=True)
    through_review(
        "move_in",
        MoveIn(
            newcomers=(
                person(900_001, "鍾翠蘭", "F", dt.date(1975, 4, 4)),
                person(900_002, "鍾志豪", "M", dt.date(2003, 8, 8), "son"),
            ),
            new_household=NewHousehold(number="O9999999", kind="living", plate_id=min(plates)),
        ),
        dt.date(2026, 7, 1),
        by=staff["ann"],
        reviewer=staff["bob"],
    )
    return Person.objects.order_by("pk")


def needles(persons) -> dict[str, str]:
    """What must never appear publicly: each synthetic national ID and name, labelled by person id."""
    out: dict[str, str] = {}
    for p in persons:
        out[crypto.decrypt(bytes(p.national_id_encrypted), p.national_id_key)] = f"national ID of person {p.pk}"
        out[p.name] = f"name of person {p.pk}"
    return out


def scan(sources: dict[str, str], secrets: dict[str, str]) -> list[str]:
    """Every (source, what) where a secret appears, in source order."""
    return [f"{where}: {what}" for where, text in sources.items() for secret, what in secrets.items() if secret in text]


def routes() -> Iterator[tuple[str, list[str]]]:
    """Every URL pattern of the URLconf as (route, its parameter names)."""

    def walk(resolver: URLResolver, prefix: str) -> Iterator[tuple[str, list[str]]]:
        for entry in resolver.url_patterns:
            pattern = entry.pattern
            if not isinstance(pattern, RoutePattern | RegexPattern):
                raise AssertionError(f"{prefix}{pattern}: unknown pattern type {type(pattern).__name__}")
            text = prefix + (str(pattern) if isinstance(pattern, RoutePattern) else _regex_route(pattern))
            if isinstance(entry, URLResolver):
                yield from walk(entry, text)
            elif isinstance(entry, URLPattern):
                yield "/" + text, list(pattern.converters) if isinstance(pattern, RoutePattern) else []

    yield from walk(get_resolver(), "")


def _regex_route(pattern: RegexPattern) -> str:
    """A regex pattern (the admin's) as a sample path: anchors dropped, named groups filled with 1 or 'auth'."""
    text = pattern.regex.pattern.lstrip("^").rstrip("$").replace("\\Z", "")
    text = re.sub(r"\(\?P<app_label>[^)]*\)", "auth", text)
    text = re.sub(r"\(\?P<[a-z_]+>[^)]*\)", "1", text)
    return text.replace("\\", "")


def tiles_around(points: list[Point]) -> list[tuple[int, int, int]]:
    """The tiles holding each point at a few zooms (web mercator numbering)."""
    out = set()
    for point in points:
        lonlat = point.transform(4326, clone=True)
        for z in TILE_ZOOMS:
            n = 2**z
            x = int((lonlat.x + 180) / 360 * n)
            lat = math.radians(lonlat.y)
            y = int((1 - math.asinh(math.tan(lat)) / math.pi) / 2 * n)
            out.add((z, x, y))
    return sorted(out)


def fill(route: str, params: list[str], samples: dict[str, list[str]]) -> list[str]:
    """The route with each parameter replaced by its samples (every combination of the listed ones)."""
    urls = [route]
    for name in params:
        values = samples.get(name, ["1"])
        urls = [u.replace(f"<{conv}:{name}>", v) for u in urls for v in values for conv in ("int", "str", "path", "slug")]
        urls = [u for u in urls if f":{name}>" not in u]
    return sorted(set(urls))


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def opened(url: str, content: bytes) -> str:
    """The text of a response, exports opened: every GeoPackage table's rows, a Parquet file's table."""
    if url.endswith(".gpkg") and content.startswith(b"SQLite format 3"):  # (a refusal is JSON, read as text)
        with tempfile.NamedTemporaryFile(suffix=".gpkg") as tmp:
            tmp.write(content)
            tmp.flush()
            db = sqlite3.connect(tmp.name)
            tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            rows = [repr(row) for t in tables for row in db.execute(f'SELECT * FROM "{t}"')]
            db.close()
        return "\n".join(rows) + content.decode("utf-8", "replace")
    if url.endswith(".parquet") and content.startswith(b"PAR1"):
        return repr(pq.read_table(io.BytesIO(content)).to_pylist())
    return content.decode("utf-8", "replace")


def test_the_scan_finds_a_planted_id_and_name():
    secrets = {"O012345678": "national ID of person 1", "鍾翠蘭": "name of person 1"}
    planted = {"/ok": "nothing here", "/leaky": '{"id": "O012345678"}', "/card": "<td>鍾翠蘭</td>"}
    assert scan(planted, secrets) == ["/leaky: national ID of person 1", "/card: name of person 1"]


def test_no_public_route_export_feed_tile_or_log_shows_the_register(register, street, caplog):
    caplog.set_level(logging.DEBUG)
    persons = list(register)
    secrets = needles(persons)
    assert len(secrets) == 20  # 10 persons, each an ID and a name
    households = list(Household.objects.select_related("plate"))
    plate_ids = sorted({h.plate_id for h in households})
    samples = {
        "plate_id": [str(pk) for pk in plate_ids] + ["999999"],
        "layer": list(LAYERS) + list(TILE_LAYERS),
        "fmt": list(FORMATS),
        "entity": list(ENTITIES),
        "reference": ["R0000000"],
        "pk": ["1"],
    }
    tiles = tiles_around([h.plate.geom for h in households])
    client = Client()
    sources: dict[str, str] = {}
    public_seen = set()
    for route, params in routes():
        if {"z", "x", "y"} <= set(params):
            urls = [
                route.replace("<str:layer>", layer)
                .replace("<int:z>", str(z))
                .replace("<int:x>", str(x))
                .replace("<int:y>", str(y))
                for layer in TILE_LAYERS
                for z, x, y in tiles
            ]
        else:
            urls = fill(route, params, samples)
        for url in urls:
            cache.clear()  # the throttles count per address; every page must be answered, not refused
            response = client.get(url, follow=False)
            public = url.startswith(PUBLIC_PREFIXES) or url == "/"
            if public or response.status_code == 200:
                public_seen.add(route)
            sources[url] = opened(url.split("?")[0], body(response))
    # Staff, admin and field pages answer an anonymous visitor only with a login form, the field app's shell or the
    # citizens' re-issuance status form; any other answer means a new public route (scanned above; list it here).
    assert sorted(r for r in public_seen if not (r.startswith(PUBLIC_PREFIXES) or r == "/")) == ANONYMOUS_ELSEWHERE
    # Query endpoints with parameters, the feed page by page, snapshots at the latest txid, error pages.
    plate = households[0].plate
    lonlat = plate.geom.transform(4326, clone=True)
    extra = [
        f"/api/v1/geocode?q={plate.address}",
        f"/api/v1/reverse?lon={lonlat.x}&lat={lonlat.y}&radius=500&limit=20",
        f"/api/v1/reverse?x={plate.geom.x}&y={plate.geom.y}",
        "/api/v1/autocomplete?q=光復",
        "/api/v1/changes?after=0&limit=1",
        "/api/v1/changes/latest",
        "/api/v1/geocode?q=",
        "/api/v1/export/plates.xlsx",
    ] + [f"/api/v1/export/{layer}.{fmt}?srid=4326" for layer in LAYERS for fmt in FORMATS]
    for url in extra:
        cache.clear()
        sources[url] = opened(url.split("?")[0], body(client.get(url)))
    # The feed page by page (two events a page) until a page comes back empty.
    url, pages = "/api/v1/changes?after=0&limit=2", 0
    while True:
        cache.clear()
        page = client.get(url).json()
        sources[url] = repr(page)
        if not page["events"]:
            break
        pages += 1
        url = f"/api/v1/changes?after_seq={page['next']['after_seq']}&limit=2"
    sources["captured logs"] = "\n".join(
        f"{r.name} {r.levelname} {r.getMessage()} {r.args!r} {getattr(r, 'exc_text', '')}" for r in caplog.records
    )
    assert pages == 6  # the street's 11 public events (areas, road, plates), two a page; no registration among them
    assert {
        "/",
        "/cards/<int:plate_id>",
        "/api/v1/export/<str:layer>.<str:fmt>",
        "/tiles/<str:layer>/<int:z>/<int:x>/<int:y>.mvt",
    } <= public_seen
    assert len([u for u in sources if u.startswith("/tiles/")]) == len(TILE_LAYERS) * len(tiles)
    # The scan reads what the public gets: the registered plate's address is in its card and every export opened.
    plate_exports = [f"/api/v1/export/plates.{fmt}" for fmt in FORMATS]
    assert [u for u in [f"/cards/{plate.pk}", *plate_exports] if plate.address not in sources[u]] == []
    assert scan(sources, secrets) == []
