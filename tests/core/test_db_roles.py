"""Least-privilege roles (core.db_roles): the web role writes rows through the real services (triggers, history,
change log) but cannot change the schema, truncate or switch triggers off; the reader only reads; default
privileges cover tables that later migrations create. Run inside the test's transaction (roles are transactional)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.db import connection, transaction
from psycopg import errors

from geo_portal.addresses.plates import Components, plate_create
from geo_portal.core.db_roles import Roles, ensure_roles
from tests.addresses.test_plates import at, commit_point, district_with_boundary  # noqa: F401 (fixture)


def _as(role: str, statement: str) -> str:
    """Run ``statement`` as ``role`` in a savepoint; "ok" or the database's error message."""
    try:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(f'SET LOCAL ROLE "{role}"')
            cur.execute(statement)
            cur.execute("RESET ROLE")
    except Exception as exc:  # the database's refusal is the result
        cause = exc.__cause__ or exc
        assert isinstance(cause, errors.InsufficientPrivilege), repr(cause)
        return str(cause).splitlines()[0]
    return "ok"


@pytest.mark.django_db
def test_roles_and_their_privileges(district_with_boundary):  # noqa: F811 (the fixture)
    roles = Roles()
    commit_point()  # no pending commit-time triggers: ALTER TABLE … OWNER refuses tables with some
    with connection.cursor() as cur:
        ensure_roles(cur, database=connection.settings_dict["NAME"], roles=roles)
        ensure_roles(cur, database=connection.settings_dict["NAME"], roles=roles)  # idempotent
        cur.execute(
            "SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolcanlogin FROM pg_roles "
            "WHERE rolname LIKE 'geo_portal_%%' ORDER BY rolname"
        )
        assert cur.fetchall() == [
            ("geo_portal_owner", False, False, False, True),
            ("geo_portal_reader", False, False, False, True),
            ("geo_portal_web", False, False, False, True),
        ]
        cur.execute("SELECT tableowner FROM pg_tables WHERE tablename IN ('addresses_doorplate', 'changes_event')")
        assert [r[0] for r in cur.fetchall()] == ["geo_portal_owner", "geo_portal_owner"]
        cur.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()")
        assert cur.fetchone()[0] == "geo_portal_owner"

    web, reader, owner = roles.web, roles.reader, roles.owner
    assert _as(web, "SELECT count(*) FROM addresses_doorplate") == "ok"
    assert _as(web, "INSERT INTO changes_channel (name, last_txid, last_seq, horizon_txid) VALUES ('x', 0, 0, 0)") == "ok"
    assert _as(web, "CREATE TABLE intruder (i int)") == "permission denied for schema public"
    assert _as(web, "DROP TABLE addresses_doorplate") == "must be owner of table addresses_doorplate"
    assert _as(web, "TRUNCATE changes_event") == "permission denied for table changes_event"
    assert _as(web, "ALTER TABLE changes_event DISABLE TRIGGER ALL") == "must be owner of table changes_event"
    assert _as(reader, "SELECT count(*) FROM changes_event") == "ok"
    assert _as(reader, "DELETE FROM changes_event") == "permission denied for table changes_event"
    # A table a later migration creates (as the owner) is open to the web role and the reader at once.
    assert _as(owner, "CREATE TABLE later_table (i int); INSERT INTO later_table VALUES (1)") == "ok"
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f'SET LOCAL ROLE "{owner}"')
        cur.execute("CREATE TABLE later_table3 (i serial)")
    assert _as(web, "INSERT INTO later_table3 DEFAULT VALUES") == "ok"
    assert _as(reader, "SELECT * FROM later_table3") == "ok"
    assert _as(reader, "INSERT INTO later_table3 DEFAULT VALUES") == "permission denied for table later_table3"


@pytest.mark.django_db
def test_the_web_role_writes_a_plate_with_its_history_and_change_event(district_with_boundary):  # noqa: F811
    commit_point()
    with connection.cursor() as cur:
        ensure_roles(cur, database=connection.settings_dict["NAME"])
        cur.execute('SET ROLE "geo_portal_web"')
    try:
        plate = plate_create(
            district=district_with_boundary["district"],
            components=Components(number=7, road=district_with_boundary["road"]),
            point=at(100),
            actor="clerk1",
        ).plate
        with connection.cursor() as cur:
            cur.execute("SELECT current_user")
            assert cur.fetchone()[0] == "geo_portal_web"
            cur.execute("SELECT count(*) FROM addresses_doorplateevent WHERE pgh_obj_id = %s", [plate.pk])
            assert cur.fetchone()[0] == 1
            cur.execute("SELECT operation FROM changes_event WHERE entity = 'plate' AND entity_id = %s", [plate.pk])
            assert cur.fetchall() == [("insert",)]
    finally:
        with connection.cursor() as cur:
            cur.execute("RESET ROLE")
    assert plate.address == "新竹市東區光復路二段7號"


def test_make_demo_and_compose_give_the_search_connection_the_read_only_role():
    """The server's public reads connect as the reader (tests/publicmap/test_read_only_search.py shows it cannot
    write); its own writes, the tile cache's included, as the web role."""
    root = Path(settings.BASE_DIR)
    makefile = (root / "Makefile").read_text()
    assert (
        "AS_WEB := $(if $(DATABASE_URL),,GEO_PORTAL_DB_USER=geo_portal_web GEO_PORTAL_SEARCH_DB_USER=geo_portal_reader)"
        in makefile.splitlines()
    )
    services = yaml.safe_load((root / "docker-compose.yml").read_text())["services"]
    for name in ("web", "worker"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgis://geo_portal_web:"), name
        assert env["GEO_PORTAL_SEARCH_DB_USER"] == "geo_portal_reader", name
        assert env["GEO_PORTAL_SEARCH_DB_PASSWORD"].startswith("${GEO_PORTAL_DB_READER_PASSWORD"), name
