"""Shared fixtures: real-data location (skip without it, fail under CI), small fixed areas, CSV writers."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db import connection
from psycopg import sql

from geo_portal.areas.models import County, District, Village
from geo_portal.core.cache import forget_leases
from geo_portal.core.dsn import connection_params

REAL = Path(settings.SHARED_DATA_DIR)
REAL_PLATES = REAL / "doorplates" / "hsinchu_east_doorplates_2026-06.csv"


def require_real_data() -> Path:
    """The real data folder; skip when absent on a user's machine, fail when CI is set."""
    if not REAL_PLATES.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but the real data is missing at {REAL}")
        pytest.skip(f"real data not found at {REAL} (see ../shared/data/real/SOURCES.md)")
    return REAL


@pytest.fixture(autouse=True)
def _fresh_throttle_counters(request):
    """Throttle counters live in the shared cache (in the database); each test that uses the database starts with
    none (tests without it cannot reach a throttled view).

    The rows are deleted on a connection of their own, committed at once: deleted inside the test's transaction
    they would stay locked until the test ends, and a live server's requests (browser tests) would wait on them."""
    if request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(request.fixturenames):
        request.getfixturevalue("_django_db_helper")
        params = connection_params(connection.settings_dict)
        with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as own:
            own.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(settings.CACHES["default"]["LOCATION"])))
            own.execute("DELETE FROM core_throttle_counter")
        forget_leases()
    yield


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "two_factor_steps: staff sign-ins in the test client take the real two-factor steps (tests/accounts)"
    )


@pytest.fixture(autouse=True)
def _staff_sign_in_with_both_factors(request, monkeypatch):
    """``Client.login`` and ``force_login`` sign staff in with both factors, as if they had typed the code, so that
    tests of other features need not repeat the two-factor step for registrars, administrators and superusers.
    Only the test client's shortcuts: the sign-in pages, the middleware and the live server are untouched, and
    tests marked ``two_factor_steps`` take the real steps (tests/accounts/test_two_factor.py)."""
    if request.node.get_closest_marker("two_factor_steps"):
        return
    from django.test.client import ClientMixin

    from geo_portal.accounts.two_factor import two_factor_required
    from tests.accounts.factories import pass_second_factor

    original = ClientMixin._login

    def login_with_both_factors(self, user, backend=None):
        original(self, user, backend)
        if two_factor_required(user):
            pass_second_factor(self)

    monkeypatch.setattr(ClientMixin, "_login", login_with_both_factors)


@pytest.fixture(scope="session")
def real_dir() -> Path:
    return require_real_data()


@pytest.fixture(scope="session")
def loaded_real(django_db_setup, django_db_blocker, real_dir, tmp_path_factory):
    """The real 東區 data set loaded once into the test database (tests roll back their own changes)."""
    from geo_portal.demo.loading import load_real

    with django_db_blocker.unblock():
        return load_real(report_dir=tmp_path_factory.mktemp("reports"), log=lambda _msg: None)


def square(x: float, y: float, size: float) -> MultiPolygon:
    """A square in EPSG:3826 with its south-west corner at (x, y)."""
    return MultiPolygon(Polygon(((x, y), (x + size, y), (x + size, y + size), (x, y + size), (x, y))), srid=3826)


# Two villages side by side, 1 km each, in TWD97 near Hsinchu: A = [250000, 251000), B = [251000, 252000).
X0, Y0 = 250_000.0, 2_740_000.0


@pytest.fixture
def areas(db):
    county = County.objects.create(code="10018", name="新竹市", name_en="Hsinchu City")
    district = District.objects.create(
        code="10018010", registry_code="1001801", county=county, name="東區", name_en="East Dist."
    )
    a = Village.objects.create(
        code="10018010001", district=district, name="甲里", name_en="Jia Vil.", boundary=square(X0, Y0, 1000)
    )
    b = Village.objects.create(
        code="10018010002", district=district, name="乙里", name_en="Yi Vil.", boundary=square(X0 + 1000, Y0, 1000)
    )
    return {"county": county, "district": district, "a": a, "b": b}


def write_csv(path: Path, header: list[str], rows: list[list], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def pytest_collection_modifyitems(config, items):
    """Run the real-data tests last: their session fixture commits the real 東區 data to the test database,
    and the small fixed-geometry tests need an empty one."""
    items.sort(key=lambda item: item.get_closest_marker("realdata") is not None)
