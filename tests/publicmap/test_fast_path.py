"""The public fast path (config.fast_path): anonymous GETs of tiles and geocoding answered before the signed-in
middleware, with exactly the full stack's status, body and headers; everything else takes the full stack."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client, override_settings

from geo_portal.addresses.search import gazetteer
from geo_portal.api import answer_cache
from geo_portal.publicmap import tile_memory
from tests.conftest import X0, Y0
from tests.publicmap.conftest import tile_of

ADDRESS = "新竹市東區光復路二段103號"
# The per-response source of a cached answer (miss, then hit): compared on their own.
SOURCE_HEADERS = ("X-Tile-Cache", "X-Answer-Cache")


@pytest.fixture(autouse=True)
def _fresh_caches(monkeypatch):
    monkeypatch.setattr(gazetteer, "_checked_at", 0.0)  # this test's roads are new
    answer_cache.clear()
    tile_memory.forget()


def full_stack_client() -> Client:
    """A client whose handler was built with the fast path off (middleware is read when the handler loads)."""
    with override_settings(PUBLIC_FAST_PATH=False):
        client = Client()
        client.handler.load_middleware()
    return client


def requests_of_every_kind() -> list[tuple[str, dict]]:
    z, x, y = tile_of(X0 + 50, Y0 + 50, 18)
    geocode = "/api/v1/geocode?q=" + quote(ADDRESS)
    return [
        (f"/tiles/plates/{z}/{x}/{y}.mvt", {}),  # a tile with plates
        (f"/tiles/buildings/{z}/{x}/{y}.mvt", {}),
        (f"/tiles/villages/{z}/{x}/{y}.mvt", {"HTTP_ACCEPT_LANGUAGE": "en"}),
        ("/tiles/plates/18/0/0.mvt", {}),  # empty: 204
        ("/tiles/plates/3/8/0.mvt", {}),  # out of range: 404 with the reason
        ("/tiles/roads/3/1/1.mvt", {}),  # unknown layer
        (geocode, {"HTTP_ACCEPT_LANGUAGE": "en"}),
        (geocode, {"HTTP_ACCEPT_LANGUAGE": "zh-hant"}),
        (geocode + "&limit=2", {"HTTP_COOKIE": "django_language=en"}),  # the language cookie, not the session's
        ("/api/v1/geocode?q=", {}),  # invalid: 400 naming the field
        ("/api/v1/geocode?q=" + quote("光復路10000段1號"), {}),
        (geocode + "&limit=abc", {"HTTP_ACCEPT_LANGUAGE": "en"}),
    ]


@pytest.mark.django_db(transaction=True)
def test_fast_answers_equal_the_full_stack_header_for_header(mapped):
    fast, full = Client(), full_stack_client()
    for path, headers in requests_of_every_kind():
        for round_ in ("first", "second"):  # a cache miss, then a hit
            a, b = fast.get(path, **headers), full.get(path, **headers)
            where = f"{path} {headers} ({round_})"
            assert getattr(a.wsgi_request, "public_fast_path", False) is True, where
            assert getattr(b.wsgi_request, "public_fast_path", False) is False, where
            assert (a.status_code, a.content) == (b.status_code, b.content), where
            same = {k: v for k, v in a.items() if k not in SOURCE_HEADERS}
            assert same == {k: v for k, v in b.items() if k not in SOURCE_HEADERS}, where
            assert a["Vary"] == "Cookie, Accept-Language", where
    etag = fast.get(requests_of_every_kind()[0][0])["ETag"]
    not_modified = [c.get(requests_of_every_kind()[0][0], HTTP_IF_NONE_MATCH=etag) for c in (fast, full)]
    assert [r.status_code for r in not_modified] == [304, 304]
    assert dict(not_modified[0].items()) == dict(not_modified[1].items())


@pytest.mark.django_db(transaction=True)
def test_the_fast_path_serves_from_the_per_process_caches(mapped):
    client = Client()
    path = "/api/v1/geocode?q=" + quote(ADDRESS)
    sources = [client.get(path, HTTP_ACCEPT_LANGUAGE="en")["X-Answer-Cache"] for _ in range(2)]
    z, x, y = tile_of(X0 + 50, Y0 + 50, 18)
    tiles = [client.get(f"/tiles/plates/{z}/{x}/{y}.mvt")["X-Tile-Cache"] for _ in range(2)]
    assert (sources, tiles) == (["miss", "hit"], ["miss", "hit"])


@pytest.mark.django_db
def test_signed_in_users_other_methods_and_other_pages_take_the_full_stack(client, django_user_model):
    z, x, y = tile_of(X0 + 50, Y0 + 50, 18)
    tile = f"/tiles/plates/{z}/{x}/{y}.mvt"
    post = client.post("/api/v1/geocode?q=x")
    head = client.head(tile)
    page = client.get("/districts/")
    client.force_login(django_user_model.objects.create_user("planner", password="pw-unused-123456"))
    signed_in = client.get(tile)
    assert [post.status_code, head.status_code, page.status_code, signed_in.status_code] == [405, 405, 200, 204]
    for response in (post, head, page, signed_in):
        assert getattr(response.wsgi_request, "public_fast_path", False) is False


@pytest.mark.django_db
def test_the_fast_path_keeps_each_familys_throttle(client, mapped, settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "geocode": "2/minute", "tiles": "3/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    geocode = [client.get("/api/v1/geocode?q=" + quote(ADDRESS), HTTP_ACCEPT_LANGUAGE="en") for _ in range(3)]
    tiles = [client.get("/tiles/plates/18/0/0.mvt", HTTP_ACCEPT_LANGUAGE="en") for _ in range(4)]
    assert [r.status_code for r in geocode] == [200, 200, 429]
    wait = int(geocode[2]["Retry-After"])  # the rest of the counting window: depends on the clock
    assert 1 <= wait <= 60
    assert geocode[2].json() == {"detail": f"Request was throttled. Expected available in {wait} second{'s' * (wait != 1)}."}
    assert [r.status_code for r in tiles] == [204, 204, 204, 429]
    assert tiles[3].content.decode() == "Too many requests. Please wait a minute and try again."
    assert all(r.wsgi_request.public_fast_path for r in geocode + tiles)
