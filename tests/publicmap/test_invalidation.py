"""Tile invalidation from the change log: exact marks per change, no stale tile ever served, pruning."""

from __future__ import annotations

import math
from datetime import timedelta

import psycopg
import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone

from geo_portal.addresses.models import DoorPlate
from geo_portal.areas.models import District, Road, Village
from geo_portal.buildings.models import Building
from geo_portal.core.dsn import connection_params
from geo_portal.publicmap import services
from geo_portal.publicmap.models import CachedTile, TileDirty, TileState
from geo_portal.publicmap.services import apply_invalidations, prune_tile_cache, tile_store
from geo_portal.publicmap.tile_cache import LOOKUP_SQL, _lookup_or_render_sql, _render_with_txid_sql, get_tile
from geo_portal.publicmap.tiles import BUFFER, EXTENT, MAX_ZOOM, WEB_MERCATOR_SIZE, tile_query
from tests.conftest import X0, Y0, square
from tests.publicmap.conftest import TO_MERCATOR, number_changes, tile_of

OLD = (X0 + 56, Y0 + 50)  # 103號 in the ``mapped`` fixture
NEW = (X0 + 600, Y0 + 620)
FAR = (X0 + 1500, Y0 + 500)  # village 乙里, nowhere near either position


def tiles_around(corners: list[tuple[float, float]], z: int) -> set[tuple[int, int, int]] | None:
    """Tiles whose envelope widened by the drawing buffer (+1 grid unit) meets the 3857 box of 3826 points;
    None when there are more than services.MAX_TILES_PER_MARK (a whole-zoom mark)."""
    xs, ys = zip(*(TO_MERCATOR.transform(x, y) for x, y in corners), strict=True)
    size, half, pad, n = WEB_MERCATOR_SIZE / 2**z, WEB_MERCATOR_SIZE / 2, (BUFFER + 1) / EXTENT, 2**z
    x0, x1 = max(0, math.floor((min(xs) + half) / size - pad)), min(n - 1, math.floor((max(xs) + half) / size + pad))
    y0, y1 = max(0, math.floor((half - max(ys)) / size - pad)), min(n - 1, math.floor((half - min(ys)) / size + pad))
    if (x1 - x0 + 1) * (y1 - y0 + 1) > services.MAX_TILES_PER_MARK:
        return None
    return {(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)}


def expected_marks(layer: str, shapes: list[list[tuple[float, float]]], zooms: range) -> set[tuple]:
    marks = set()
    for z in zooms:
        for shape in shapes:
            tiles = tiles_around(shape, z)
            marks |= {(layer, z, -1, -1)} if tiles is None else {(layer, *t) for t in tiles}
    return marks


def zoom_marks(layer: str, zooms: range) -> set[tuple]:
    return {(layer, z, -1, -1) for z in zooms}


def marks() -> set[tuple]:
    return set(TileDirty.objects.values_list("layer", "z", "x", "y"))


def latest_txid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT changes_latest_txid('public')")
        return cursor.fetchone()[0]


def warm(*addresses) -> None:
    for address in addresses:
        assert get_tile(*address).source in ("miss", "hit")


def sources(*addresses) -> list[str]:
    return [get_tile(*address).source for address in addresses]


@pytest.fixture
def published(mapped):
    """``mapped`` with its marks applied and no marks left over: a quiet cache."""
    apply_invalidations()
    TileDirty.objects.all().delete()
    return mapped


def test_a_plate_move_marks_exactly_the_tiles_of_its_old_and_new_position(published):
    plate = published["plates"]["新竹市東區光復路二段103號"]
    old18, new18, far18 = (("plates", *tile_of(*p, 18)) for p in (OLD, NEW, FAR))
    warm(old18, new18, far18, ("plates", *tile_of(*OLD, 12)), ("buildings", *tile_of(*OLD, 16)))
    before = latest_txid()

    DoorPlate.objects.filter(pk=plate.pk).update(geom=Point(*NEW, srid=3826))
    number_changes()
    applied = apply_invalidations()

    assert (applied.after, applied.upto, applied.whole_layers) == (before, before + 1, ())
    street = {m for m in marks() if 16 <= m[1] <= 18}
    assert street == {("plates", *tile_of(*p, z)) for p in (OLD, NEW) for z in (16, 17, 18)}  # one tile each
    assert marks() == expected_marks("plates", [[OLD], [NEW]], range(13, MAX_ZOOM + 1)) | zoom_marks("plates", range(13))
    assert set(TileDirty.objects.values_list("txid", flat=True)) == {before + 1}
    assert TileState.objects.get().applied_txid == before + 1
    # Both positions are encoded again, the counts too; the far tile and the building tile are still hits.
    assert sources(old18, new18, far18, ("plates", *tile_of(*OLD, 12)), ("buildings", *tile_of(*OLD, 16))) == [
        "miss",
        "miss",
        "hit",
        "miss",
        "hit",
    ]


def test_a_plate_change_that_the_map_shows_nowhere_else_still_marks_its_tiles_and_nothing_without_events(
    published,
):
    plate = published["plates"]["新竹市東區光復路二段103號"]
    DoorPlate.objects.filter(pk=plate.pk).update(source_batch=None)  # not public: no event, no mark
    number_changes()
    assert apply_invalidations().marks == 0 and marks() == set()
    DoorPlate.objects.filter(pk=plate.pk).update(condition="damaged", version=plate.version + 1)
    number_changes()
    apply_invalidations()
    assert marks() == expected_marks("plates", [[OLD]], range(13, MAX_ZOOM + 1)) | zoom_marks("plates", range(13))


def test_a_building_change_marks_buildings_tiles_only(published):
    building = published["building"]
    footprint = [(X0 + 40, Y0 + 40), (X0 + 60, Y0 + 40), (X0 + 60, Y0 + 60), (X0 + 40, Y0 + 60)]
    warm(("buildings", *tile_of(X0 + 50, Y0 + 50, 16)), ("plates", *tile_of(X0 + 50, Y0 + 50, 16)))
    Building.objects.filter(pk=building.pk).update(floors=7)
    number_changes()
    apply_invalidations()
    assert marks() == expected_marks("buildings", [footprint], range(15, MAX_ZOOM + 1))
    assert sources(("buildings", *tile_of(X0 + 50, Y0 + 50, 16)), ("plates", *tile_of(X0 + 50, Y0 + 50, 16))) == [
        "miss",
        "hit",
    ]


def test_village_and_district_changes_mark_their_layers_and_the_counts(published):
    Village.objects.filter(pk=published["a"].pk).update(boundary=square(X0, Y0, 900))
    number_changes()
    apply_invalidations()
    old = [(X0, Y0), (X0 + 1000, Y0), (X0 + 1000, Y0 + 1000), (X0, Y0 + 1000)]
    new = [(X0, Y0), (X0 + 900, Y0), (X0 + 900, Y0 + 900), (X0, Y0 + 900)]
    villages = expected_marks("villages", [old, new], range(10, MAX_ZOOM + 1))
    assert marks() == villages | zoom_marks("plates", range(11, 13))
    # 1 km is 3×3 tiles at z16, 15×15 at z19 (more than MAX_TILES_PER_MARK): a whole-zoom mark there.
    assert ("villages", 16, -1, -1) not in villages and ("villages", 19, -1, -1) in villages

    TileDirty.objects.all().delete()
    District.objects.filter(pk=published["district"].pk).update(name_en="East District")
    number_changes()
    apply_invalidations()
    assert marks() == zoom_marks("plates", range(11))  # district counts; the villages layer draws no districts


def test_a_road_change_marks_nothing(published):
    Road.objects.update(name_en="Guangfu Road")
    number_changes()
    result = apply_invalidations()
    assert result.upto == result.after + 1 and marks() == set()


def test_an_import_with_many_events_marks_whole_layers(published, monkeypatch, tmp_path):
    monkeypatch.setattr(services, "WHOLE_LAYER_EVENTS", 2)
    before = latest_txid()
    DoorPlate.objects.update(condition="ok")  # one statement, three plates: an import in miniature
    number_changes()
    assert apply_invalidations().whole_layers == ("plates",)
    assert set(TileDirty.objects.values_list("layer", "z", "x", "y", "txid")) == {("plates", -1, -1, -1, before + 1)}
    assert sources(("plates", *tile_of(*FAR, 18))) == ["miss"]


def test_marks_lagging_behind_the_log_never_serve_a_cached_tile(published):
    address = ("plates", *tile_of(*OLD, 18))
    warm(address)
    assert sources(address) == ["hit"]
    DoorPlate.objects.filter(address="新竹市東區光復路二段103號").update(geom=Point(*NEW, srid=3826))
    number_changes()  # committed (numbered), marks not yet applied
    stale = CachedTile.objects.get(layer="plates", z=18)
    assert stale.txid == latest_txid() - 1
    tile = get_tile(*address)
    assert tile.source == "miss" and tile.content != stale.content  # encoded afresh, then the marks were applied
    assert TileState.objects.get().applied_txid == latest_txid()
    assert ("plates", *tile_of(*OLD, 18)) in marks()
    assert sources(address) == ["hit"]  # stored under the latest txid


def test_events_compacted_away_before_they_were_applied_mark_every_layer(published):
    DoorPlate.objects.filter(address="新竹市東區光復路二段103號").update(condition="ok")
    number_changes()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE changes_channel SET horizon_txid = last_txid WHERE name = 'public'")
    latest = latest_txid()
    assert apply_invalidations().whole_layers == ("plates", "buildings", "villages")
    assert set(TileDirty.objects.values_list("layer", "z", "x", "y", "txid")) == {
        (layer, -1, -1, -1, latest) for layer in ("plates", "buildings", "villages")
    }


def test_a_missing_state_row_empties_the_cache(published):
    warm(("plates", *tile_of(*OLD, 18)))
    TileState.objects.all().delete()
    assert get_tile("plates", *tile_of(*OLD, 18)).source == "miss"
    assert TileState.objects.get().applied_txid == latest_txid()
    assert CachedTile.objects.count() == 0  # the reset ran after this request stored its tile


def test_prune_removes_exactly_the_stale_tiles_and_the_old_marks(published):
    CachedTile.objects.all().delete()
    now, old = timezone.now(), timezone.now() - timedelta(hours=2)
    tiles = {
        "a": ("plates", 18, 1, 1, 5),  # own mark 6: stale
        "b": ("plates", 18, 2, 2, 6),  # own mark 6: valid
        "c": ("plates", 12, 0, 0, 4),  # zoom mark 5: stale
        "d": ("plates", 12, 1, 1, 5),  # zoom mark 5: valid
        "e": ("buildings", 16, 3, 3, 3),  # layer mark 2: valid
        "f": ("villages", 14, 4, 4, 1),  # layer mark 2: stale
        "g": ("villages", 14, 5, 5, 9),  # no mark of its own, layer mark 2: valid
    }
    for layer, z, x, y, txid in tiles.values():
        CachedTile.objects.create(layer=layer, z=z, x=x, y=y, txid=txid, etag='"e"', content=b"t")
    for layer, z, x, y, txid, at in [
        ("plates", 18, 1, 1, 6, old),
        ("plates", 18, 2, 2, 6, now),
        ("plates", 12, -1, -1, 5, old),
        ("buildings", -1, -1, -1, 2, now),
        ("villages", -1, -1, -1, 2, old),
        ("villages", 14, 9, 9, 7, now),  # its tile is not cached: kept while recent
    ]:
        TileDirty.objects.create(layer=layer, z=z, x=x, y=y, txid=txid, marked_at=at)

    pruned = prune_tile_cache()

    assert (pruned.tiles_deleted, pruned.marks_deleted) == (3, 3)
    kept = set(CachedTile.objects.values_list("layer", "z", "x", "y", "txid"))
    assert kept == {tiles[k] for k in "bdeg"}
    assert marks() == {("plates", 18, 2, 2), ("buildings", -1, -1, -1), ("villages", 14, 9, 9)}


# --- the render-before-commit race, with two real connections ---------------------------------------------------


def _raw_connection() -> psycopg.Connection:
    params = {k: v for k, v in connection_params(connection.settings_dict).items() if v}
    return psycopg.connect(**params, autocommit=False)


def _address(address: tuple) -> dict:
    return dict(zip(("layer", "z", "x", "y"), address, strict=True))


@pytest.mark.django_db(transaction=True)
def test_a_tile_encoded_before_a_change_commits_and_stored_after_its_marks_is_never_served(mapped, tmp_path):
    """The store as a statement of its own (tiles encoded on a replica): refused once the later change's marks are
    applied."""
    plate = mapped["plates"]["新竹市東區光復路二段103號"]
    apply_invalidations()
    address = ("plates", *tile_of(*OLD, 18))
    before_move = get_tile(*address).content
    CachedTile.objects.all().delete()

    with _raw_connection() as renderer:
        # The renderer's snapshot is taken now, before the move commits (a long tile statement, frozen in time).
        renderer.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        renderer.execute("SELECT 1")
        DoorPlate.objects.filter(pk=plate.pk).update(geom=Point(*NEW, srid=3826))  # committed: txid T + 1
        apply_invalidations()  # committed: the mark T + 1 on the old tile
        query = tile_query(*address)
        txid, content = renderer.execute(_render_with_txid_sql(query.sql), query.params).fetchone()
        renderer.commit()
    assert (bytes(content), txid) == (before_move, latest_txid() - 1)
    # The store (default connection) refuses it: the move's marks are applied, and a later prune could drop them.
    stored = tile_store(**_address(address), txid=txid, etag='"encoded-before"', content=content)
    assert stored is False
    assert CachedTile.objects.count() == 0

    served = get_tile(*address)
    assert served.source == "miss" and served.content != before_move
    assert CachedTile.objects.get().txid == latest_txid()


def _one_statement_from_before_a_move(plate: DoorPlate, address: tuple, *, marks: bool) -> tuple[bytes, tuple]:
    """The tile's bytes before the plate moves (cache emptied again), and the one-statement lookup, encoding and store
    run by another connection whose snapshot was taken before the move committed (and, with ``marks``, before its
    marks were applied): (etag, content, cached, lagging)."""
    apply_invalidations()
    before_move = get_tile(*address).content
    CachedTile.objects.all().delete()
    with _raw_connection() as renderer:
        renderer.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        renderer.execute("SELECT 1")
        DoorPlate.objects.filter(pk=plate.pk).update(geom=Point(*NEW, srid=3826))  # committed: txid T + 1
        if marks:
            apply_invalidations()  # committed: the mark T + 1 on the old tile
        params = {**tile_query(*address).params, **_address(address)}
        row = renderer.execute(_lookup_or_render_sql(tile_query(*address).sql), params).fetchone()
        renderer.commit()
    return before_move, row


@pytest.mark.django_db(transaction=True)
def test_a_tile_encoded_and_stored_by_one_statement_from_before_a_change_is_never_served_and_pruned_first(mapped):
    """The lookup, encoding and store in one statement whose snapshot predates a change and its marks: the tile is
    stored stamped with the txid its snapshot saw, never served, and the prune deletes it before the mark."""
    address = ("plates", *tile_of(*OLD, 18))
    before_move, (etag, content, cached, lagging) = _one_statement_from_before_a_move(
        mapped["plates"]["新竹市東區光復路二段103號"], address, marks=True
    )
    assert (bytes(content), cached, lagging) == (before_move, False, False)
    assert list(CachedTile.objects.values_list("txid", "etag")) == [(latest_txid() - 1, etag)]
    with connection.cursor() as cursor:
        cursor.execute(LOOKUP_SQL, _address(address))
        assert cursor.fetchone() == (None, None, False)  # the mark T + 1 covers it: no hit

    pruned = prune_tile_cache(keep_marks=timedelta(0))  # every mark is old enough to go, the tile's too
    assert pruned.tiles_deleted == 1 and not CachedTile.objects.exists() and not TileDirty.objects.exists()
    served = get_tile(*address)
    assert served.source == "miss" and served.content != before_move
    assert CachedTile.objects.get().txid == latest_txid()


@pytest.mark.django_db(transaction=True)
def test_a_tile_stored_after_a_change_commits_but_before_its_marks_is_never_served(mapped):
    address = ("plates", *tile_of(*OLD, 18))
    # Stored by the statement: in its snapshot no later change exists (the lookup refuses it by its txid until the
    # marks are applied).
    before_move, (_etag, content, cached, _lagging) = _one_statement_from_before_a_move(
        mapped["plates"]["新竹市東區光復路二段103號"], address, marks=False
    )
    assert (bytes(content), cached) == (before_move, False)
    assert (bytes(CachedTile.objects.get().content), CachedTile.objects.get().txid) == (before_move, latest_txid() - 1)
    assert TileState.objects.get().applied_txid == latest_txid() - 1  # lagging
    served = get_tile(*address)
    assert served.source == "miss" and served.content != before_move
    assert TileState.objects.get().applied_txid == latest_txid()  # the request applied the marks
