"""The public reads' connections as the read-only role (core.db_roles: ``geo_portal_reader``): that connection
cannot write, tiles are stored on the default connection (a street-level tile encoded on the primary is looked up,
encoded and stored there in one statement; on a replica, looked up on ``search``, encoded on the replica and stored
on default), and a plate change is never served from a stale cached tile. Both shapes of ``tile_cache.get_tile``:
``SEARCH_DB`` is the search connection, or another (a replica; here a second connection to the same database, see
``test_replica.py`` for a real standby).

Transactional tests with committed data: the reader's own connections see only what is committed.
"""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from django.db import connection, connections
from django.db.utils import ProgrammingError
from psycopg import errors

from geo_portal.addresses.models import DoorPlate
from geo_portal.core.db_roles import Roles, ensure_roles
from geo_portal.publicmap.models import CachedTile
from geo_portal.publicmap.services import apply_invalidations
from geo_portal.publicmap.tile_cache import get_tile
from geo_portal.publicmap.tiles import render_tile
from tests.conftest import X0, Y0
from tests.publicmap.conftest import tile_of

OLD = (X0 + 56, Y0 + 50)  # 103號 in the ``mapped`` fixture
NEW = (X0 + 600, Y0 + 620)
READER_ALIASES = ("search_as_reader", "replica_as_reader")


def _refusal(alias: str, statement: str) -> str:
    """The database's refusal of ``statement`` on ``alias`` (the test fails if it is accepted)."""
    with pytest.raises(ProgrammingError) as caught, connections[alias].cursor() as cursor:
        cursor.execute(statement)
    assert isinstance(caught.value.__cause__, errors.InsufficientPrivilege), repr(caught.value.__cause__)
    return str(caught.value.__cause__).splitlines()[0]


@pytest.fixture
def committed_roles(mapped):
    """The least-privilege roles and their grants on the test database, committed (a transactional test's other
    connections see them), and taken back afterwards: ownership returns to the test's own user and every privilege
    of the three roles in this database is dropped, so that later tests' dumps name no role a fresh cluster lacks."""
    roles = Roles()
    with connection.cursor() as cursor:
        ensure_roles(cursor, database=connection.settings_dict["NAME"], roles=roles)
    yield roles
    with connection.cursor() as cursor:
        cursor.execute(f'REASSIGN OWNED BY "{roles.owner}" TO SESSION_USER')
        for role in (roles.owner, roles.web, roles.reader):  # one at a time: a default ACL may name two of them
            cursor.execute(f'DROP OWNED BY "{role}"')


@pytest.fixture
def reader_connections(mapped, committed_roles):
    """Two aliases of the test database connected as ``geo_portal_reader``."""
    for alias in READER_ALIASES:
        # Made here, not declared in settings: a connection the test creates itself (Django's test case refuses
        # declared aliases it was not told about).
        wrapper = connections["default"].__class__(
            {**connection.settings_dict, "USER": "geo_portal_reader", "PASSWORD": ""}, alias
        )
        setattr(connections._connections, alias, wrapper)
    yield mapped
    for alias in READER_ALIASES:
        connections[alias].close()
        delattr(connections._connections, alias)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("render_alias", ["search_as_reader", "replica_as_reader"], ids=["one-connection", "replica"])
def test_tiles_read_as_the_reader_stored_on_default_and_never_stale_after_a_plate_move(
    reader_connections, settings, render_alias
):
    settings.TILE_CACHE_DB, settings.SEARCH_DB = "search_as_reader", render_alias
    apply_invalidations()
    plate = reader_connections["plates"]["新竹市東區光復路二段103號"]
    address = ("plates", *tile_of(*OLD, 18))

    first = get_tile(*address)
    assert first.source == "miss"
    for alias in {settings.TILE_CACHE_DB, settings.SEARCH_DB}:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == "geo_portal_reader"
    assert list(CachedTile.objects.values_list("layer", "z", "x", "y")) == [address]  # stored through default
    assert get_tile(*address).source == "hit"

    # The reader's connection cannot write the cache, its marks or anything else.
    assert _refusal(
        "search_as_reader",
        "INSERT INTO publicmap_cachedtile (layer, z, x, y, txid, etag, content, created_at) "
        "VALUES ('plates', 1, 1, 1, 0, '', '', now())",
    ) == ("permission denied for table publicmap_cachedtile")
    assert _refusal("search_as_reader", "UPDATE publicmap_tilestate SET applied_txid = 0") == (
        "permission denied for table publicmap_tilestate"
    )
    assert _refusal(render_alias, "DELETE FROM addresses_doorplate") == ("permission denied for table addresses_doorplate")

    # A plate moves (committed, marks not yet applied): the cached tile is not served; the fresh one is stored.
    DoorPlate.objects.filter(pk=plate.pk).update(geom=Point(*NEW, srid=3826))
    moved = get_tile(*address)
    assert moved.source == "miss"
    assert moved.content != first.content
    assert moved.content == render_tile(*address)  # what the map shows now, encoded afresh
    again = get_tile(*address)
    assert (again.source, again.content) == ("hit", moved.content)
    assert get_tile("plates", *tile_of(*NEW, 18)).content == render_tile("plates", *tile_of(*NEW, 18))
