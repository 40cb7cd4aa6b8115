"""The geocode answer cache (api.answer_cache) and the tiles kept in memory (publicmap.tile_memory): served while
their data is current, never after a committed change, not used inside a transaction."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.contrib.gis.geos import Point
from django.db import connection, transaction

from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.search import gazetteer
from geo_portal.api import answer_cache
from geo_portal.changes import recent
from geo_portal.publicmap import tile_memory
from geo_portal.publicmap.tile_cache import get_tile
from tests.conftest import X0, Y0
from tests.publicmap.conftest import tile_of

ADDRESS = "新竹市東區光復路二段103號"
URL = "/api/v1/geocode?q=" + quote(ADDRESS)
OLD = (X0 + 56, Y0 + 50)
MOVED = (X0 + 80, Y0 + 70)


@pytest.fixture(autouse=True)
def _fresh_gazetteer(monkeypatch):
    """Outside a transaction the geocoder re-reads its gazetteer at most once a second: this test's roads are new."""
    monkeypatch.setattr(gazetteer, "_checked_at", 0.0)


def first_hit(response) -> tuple[str, float, float]:
    hit = response.json()["hits"][0]
    return hit["address"], round(hit["x"], 2), round(hit["y"], 2)


@pytest.mark.django_db(transaction=True)
def test_an_answer_is_served_from_the_cache_until_a_plate_changes(mapped, client):
    answer_cache.clear()
    first = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert first.status_code == 200
    assert first_hit(first) == ("新竹市東區光復路二段103號", round(OLD[0], 2), round(OLD[1], 2))
    hits = answer_cache.stats["hits"]
    second = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert (second.content, answer_cache.stats["hits"]) == (first.content, hits + 1)
    assert second["Content-Type"] == "application/json"

    plate = mapped["plates"]["新竹市東區光復路二段103號"]
    DoorPlate.objects.filter(pk=plate.pk).update(geom=Point(*MOVED, srid=3826))  # committed: a new txid
    third = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert answer_cache.stats["hits"] == hits + 1  # not served from the cache
    assert first_hit(third) == ("新竹市東區光復路二段103號", round(MOVED[0], 2), round(MOVED[1], 2))


@pytest.mark.django_db(transaction=True)
def test_answers_are_kept_per_language_and_limit(mapped, client):
    answer_cache.clear()
    english = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hant").json()
    one = client.get(URL + "&limit=1", HTTP_ACCEPT_LANGUAGE="en").json()
    assert answer_cache.stats == {"hits": 0, "misses": 3}
    assert english["hits"] == chinese["hits"] == one["hits"]
    assert client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hant").json() == chinese
    assert answer_cache.stats == {"hits": 1, "misses": 3}


@pytest.mark.django_db(transaction=True)
def test_a_refused_query_is_never_stored(mapped, client):
    answer_cache.clear()
    for _ in range(2):
        response = client.get(URL + "&limit=0", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400
        assert list(response.json()["fields"]) == ["limit"]
    assert answer_cache.stats == {"hits": 0, "misses": 2}
    assert len(answer_cache._answers) == 0


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_the_cache_is_not_used(mapped, client):
    answer_cache.clear()
    with transaction.atomic():
        assert answer_cache.data_version() is None
        client.get(URL)
        client.get(URL)
    assert len(answer_cache._answers) == 0


@pytest.mark.django_db(transaction=True)
def test_a_tile_is_served_from_memory_only_while_the_shared_cache_holds_the_same_bytes(mapped, client):
    tile_memory.forget()
    z, x, y = tile_of(*OLD, 18)
    url = f"/tiles/plates/{z}/{x}/{y}.mvt"
    first = client.get(url)
    assert (first.status_code, first["X-Tile-Cache"]) == (200, "miss")
    # The shared row's bytes replaced, its ETag kept: a hit now comes from memory (the row's bytes are not read).
    with connection.cursor() as cursor:
        cursor.execute("UPDATE publicmap_cachedtile SET content = 'x'::bytea WHERE layer = 'plates' AND z = %s", [z])
    second = client.get(url)
    assert (second["X-Tile-Cache"], second.content, second["ETag"]) == ("hit", first.content, first["ETag"])

    plate = mapped["plates"]["新竹市東區光復路二段103號"]
    DoorPlate.objects.filter(pk=plate.pk).update(geom=Point(*MOVED, srid=3826))  # committed: marks the tile
    third = client.get(url)
    assert third["X-Tile-Cache"] == "miss"
    assert third.content != first.content
    assert third.content == get_tile("plates", z, x, y).content
    assert client.get(url)["X-Tile-Cache"] == "hit"


class Clock:
    """``changes.recent``'s clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def recheck_window(settings, monkeypatch):
    """Deployed behaviour: the public data's version is read at most once per 60 s of a hand-moved clock."""
    settings.PUBLIC_DATA_RECHECK_SECONDS = 60.0
    clock = Clock()
    monkeypatch.setattr(recent, "clock", clock)
    recent.forget()
    yield clock
    recent.forget()


@pytest.mark.django_db(transaction=True)
def test_within_the_recheck_window_a_tile_held_in_memory_costs_no_statement(
    mapped, client, recheck_window, django_assert_num_queries
):
    tile_memory.forget()
    z, x, y = tile_of(*OLD, 18)
    url = f"/tiles/plates/{z}/{x}/{y}.mvt"
    first = client.get(url)
    assert (first.status_code, first["X-Tile-Cache"]) == (200, "miss")
    with django_assert_num_queries(1):  # the shared cache's ETag: the same bytes, valid at the latest txid
        assert client.get(url)["X-Tile-Cache"] == "hit"
    with django_assert_num_queries(1):  # the version, first read in this window: the txid the tile was valid at
        assert client.get(url)["X-Tile-Cache"] == "hit"
    with django_assert_num_queries(0):
        again = client.get(url)
    assert (again.status_code, again["X-Tile-Cache"], again.content, again["ETag"]) == (
        200,
        "hit",
        first.content,
        first["ETag"],
    )

    plate = mapped["plates"]["新竹市東區光復路二段103號"]
    DoorPlate.objects.filter(pk=plate.pk).update(geom=Point(*MOVED, srid=3826))
    # The change is committed, but this process read the version less than 60 s ago: the held tile until then.
    assert client.get(url).content == first.content
    recheck_window.now += 60
    moved = client.get(url)
    assert (moved["X-Tile-Cache"], moved.content) == ("miss", get_tile("plates", z, x, y).content)
    assert moved.content != first.content


@pytest.mark.django_db(transaction=True)
def test_an_empty_tile_is_held_in_memory_too(mapped, client, recheck_window, django_assert_num_queries):
    tile_memory.forget()
    z, x, y = tile_of(OLD[0] + 3000, OLD[1] + 3000, 18)
    url = f"/tiles/plates/{z}/{x}/{y}.mvt"
    first = client.get(url)
    assert (first.status_code, first["X-Tile-Cache"], first.content) == (204, "miss", b"")
    assert [client.get(url)["X-Tile-Cache"] for _ in range(2)] == ["hit", "hit"]
    with django_assert_num_queries(0):
        again = client.get(url)
    assert (again.status_code, again["X-Tile-Cache"], again["ETag"]) == (204, "hit", first["ETag"])


@pytest.mark.django_db(transaction=True)
def test_within_the_recheck_window_an_answer_costs_no_statement(mapped, client, recheck_window, django_assert_num_queries):
    answer_cache.clear()
    first = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert first_hit(first) == ("新竹市東區光復路二段103號", round(OLD[0], 2), round(OLD[1], 2))
    with django_assert_num_queries(1) as counted:  # the throttle's shared counter only (at this rate, exact)
        second = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert "core_throttle_take" in counted.captured_queries[0]["sql"]
    assert (second.content, answer_cache.stats) == (first.content, {"hits": 1, "misses": 1})

    plate = mapped["plates"]["新竹市東區光復路二段103號"]
    DoorPlate.objects.filter(pk=plate.pk).update(geom=Point(*MOVED, srid=3826))
    assert client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content == first.content  # read less than 60 s ago
    recheck_window.now += 60
    third = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert first_hit(third) == ("新竹市東區光復路二段103號", round(MOVED[0], 2), round(MOVED[1], 2))
    assert answer_cache.stats == {"hits": 2, "misses": 2}
