"""Vector tiles: content per zoom policy, cache and ETag, errors (invalidation from the change log: test_invalidation)."""

from __future__ import annotations

import hashlib

import pyogrio
import pytest

from geo_portal.addresses.models import DoorPlate
from tests.conftest import X0, Y0
from tests.publicmap.conftest import TO_MERCATOR, tile_of


def decode(tmp_path, content: bytes, layer: str, z: int, x: int, y: int):
    """Decode one tile with GDAL's MVT driver (pyogrio), georeferenced in EPSG:3857."""
    path = tmp_path / f"{layer}-{z}-{x}-{y}.mvt"
    path.write_bytes(content)
    return pyogrio.read_dataframe(path, layer=layer, X=x, Y=y, Z=z)


def get_tile(client, layer, z, x, y, **headers):
    return client.get(f"/tiles/{layer}/{z}/{x}/{y}.mvt", **headers)


def test_street_level_tile_has_one_point_per_entrance_with_units_and_number(client, mapped, tmp_path):
    z, x, y = tile_of(X0 + 50, Y0 + 50, 18)
    response = get_tile(client, "plates", z, x, y)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    df = decode(tmp_path, response.content, "plates", z, x, y).sort_values("label")
    assert list(df["kind"]) == ["plate", "plate"]
    assert list(df["label"]) == ["101之1號", "103號"]
    assert list(df["label_en"]) == ["101-1", "103"]  # the English mode's labels: no Chinese
    assert list(df["units"]) == [2, 1]
    assert df.iloc[0]["id"] == mapped["plates"]["新竹市東區光復路二段101之1號"].pk  # the entrance, not the floor
    ex, ey = TO_MERCATOR.transform(X0 + 50, Y0 + 50)
    # Quantised to the 4096 grid of a z18 tile: within 153 m / 4096 ≈ 4 cm.
    assert abs(df.iloc[0].geometry.x - ex) < 0.05 and abs(df.iloc[0].geometry.y - ey) < 0.05


def test_mid_zoom_tiles_carry_cluster_counts(client, mapped, tmp_path):
    z, x, y = tile_of(X0 + 50, Y0 + 50, 14)
    first, second = get_tile(client, "plates", z, x, y), get_tile(client, "plates", z, x, y)
    df = decode(tmp_path, first.content, "plates", z, x, y)
    assert list(df["kind"]) == ["cluster"] and list(df["units"]) == [3] and list(df["label"]) == ["3"]
    # Aggregated tiles take the three-statement path; the ETag is the same MD5 either way.
    assert (first["X-Tile-Cache"], second["X-Tile-Cache"]) == ("miss", "hit") and first.content == second.content
    assert first["ETag"] == second["ETag"] == '"' + hashlib.md5(first.content).hexdigest() + '"'
    street = get_tile(client, "plates", *tile_of(X0 + 50, Y0 + 50, 18))
    assert street["ETag"] == '"' + hashlib.md5(street.content).hexdigest() + '"'  # md5 computed by PostgreSQL


def test_low_zoom_tiles_carry_village_then_district_counts(client, mapped, tmp_path):
    z, x, y = tile_of(X0 + 500, Y0 + 500, 12)
    df = decode(tmp_path, get_tile(client, "plates", z, x, y).content, "plates", z, x, y)
    assert list(zip(df["kind"], df["name"], df["units"], strict=True)) == [("village", "甲里", 3)]
    z, x, y = tile_of(X0 + 500, Y0 + 500, 8)
    response = get_tile(client, "plates", z, x, y)
    # The fixture's district has no boundary: nothing to aggregate on at this zoom.
    assert response.status_code == 204 and response.content == b""


def test_buildings_appear_from_zoom_15_and_villages_carry_labels(client, mapped, tmp_path):
    z, x, y = tile_of(X0 + 50, Y0 + 50, 14)
    empty = get_tile(client, "buildings", z, x, y)
    assert (empty.status_code, empty["X-Tile-Cache"], empty.content) == (204, "none", b"")
    z, x, y = tile_of(X0 + 50, Y0 + 50, 16)
    df = decode(tmp_path, get_tile(client, "buildings", z, x, y).content, "buildings", z, x, y)
    assert list(df["id"]) == [mapped["building"].pk] and list(df["floors"]) == [5]
    z, x, y = tile_of(X0 + 1000, Y0 + 500, 13)
    content = get_tile(client, "villages", z, x, y).content
    (tmp_path / "v.mvt").write_bytes(content)
    assert [name for name, _ in pyogrio.list_layers(tmp_path / "v.mvt")] == ["villages", "village_labels"]
    boundaries = decode(tmp_path, content, "villages", z, x, y)
    assert sorted(boundaries["name"]) == ["乙里", "甲里"] and sorted(boundaries["name_en"]) == ["Jia Vil.", "Yi Vil."]


def test_cached_tile_revalidates_with_etag_and_expires_on_any_write(client, mapped, tmp_path):
    z, x, y = tile_of(X0 + 50, Y0 + 50, 18)
    first = get_tile(client, "plates", z, x, y)
    second = get_tile(client, "plates", z, x, y)
    assert (first["X-Tile-Cache"], second["X-Tile-Cache"]) == ("miss", "hit")
    assert first["ETag"] == second["ETag"] and first.content == second.content
    assert first["Cache-Control"] == "public, max-age=60, s-maxage=300"
    # Not a document: the strictest policy, a constant, instead of the page policy.
    assert first["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    not_modified = get_tile(client, "plates", z, x, y, HTTP_IF_NONE_MATCH=first["ETag"])
    assert (not_modified.status_code, not_modified.content) == (304, b"")
    assert not_modified["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"

    DoorPlate.objects.filter(address="新竹市東區光復路二段103號").delete()  # ORM, one statement
    # Not committed yet (no txid): this transaction's own change bypasses the cache.
    after = get_tile(client, "plates", z, x, y, HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200 and after["X-Tile-Cache"] == "miss" and after["ETag"] != first["ETag"]
    assert list(decode(tmp_path, after.content, "plates", z, x, y)["label"]) == ["101之1號"]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/tiles/roads/3/1/1.mvt", "unknown layer 'roads'; layers are plates, buildings, villages"),
        ("/tiles/plates/3/8/0.mvt", "x and y must be between 0 and 7 at zoom 3"),
        ("/tiles/plates/23/0/0.mvt", "zoom must be between 0 and 22"),
    ],
)
def test_bad_tile_addresses_are_404_with_the_reason(client, db, path, message):
    response = client.get(path)
    assert (response.status_code, response.content.decode()) == (404, message)


def test_tiles_are_throttled_per_client(client, mapped, settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "tiles": "2/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    codes = [get_tile(client, "plates", 18, 0, 0).status_code for _ in range(3)]
    assert codes == [204, 204, 429]
    other = client.get("/tiles/plates/18/0/0.mvt", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 204  # another client has its own counter
