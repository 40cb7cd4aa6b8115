"""The district page, the admin search, health check, and production settings (check --deploy)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings

from geo_portal.addresses.imports import import_doorplates
from tests.conftest import X0, Y0, write_csv


@pytest.fixture
def plates(areas, tmp_path):
    path = write_csv(
        tmp_path / "p.csv",
        ["address", "x", "y"],
        [
            ["新竹市東區光復路二段101之1號", X0 + 5, Y0 + 5],
            ["新竹市東區光復路二段101之1號5樓", X0 + 5, Y0 + 5],
            ["新竹市東區光復路二段103號", X0 + 15, Y0 + 5],
        ],
    )
    return import_doorplates(path=path, columns={"address": "address", "x": "x", "y": "y"}, srid=3826, report_dir=tmp_path)


def test_home_lists_the_district_with_counts(client, plates):
    html = client.get("/districts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<th scope="row">新竹市東區<br><span lang="en">East Dist., Hsinchu City</span></th>' in html
    cells = [c.split("</td>")[0] for c in html.split('<td class="num">')[1:]]
    assert cells == ["2", "2", "1", "3", "0", "0", "0"]


def test_home_is_in_traditional_chinese_by_default(client, plates):
    html = client.get("/districts/").content.decode()
    assert '<html lang="zh-Hant">' in html and "現行門牌" in html


def test_admin_search_understands_any_written_form(admin_client, plates):
    html = admin_client.get("/admin/addresses/doorplate/", {"q": "光復路2段101-1號"}).content.decode()
    assert "新竹市東區光復路二段101之1號5樓" in html and "新竹市東區光復路二段101之1號<" in html
    assert "光復路二段103號" not in html


def test_healthz(client, db):
    """Up while the database answers; the operations checks below it (tests/staff/test_operations.py)."""
    response = client.get("/healthz")
    lines = response.content.decode().splitlines()
    assert (response.status_code, lines[0]) == (200, "degraded")  # no job worker runs in this test
    names = [line.split(" ", 1)[0] for line in lines[1:]]
    assert {"worker", "backlog", "failed_jobs", "failed_imports"} <= set(names)


def production_env(**extra: str) -> dict[str, str]:
    """The environment a production process gets: production settings, a strong secret, one allowed host."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "geo_portal.config.settings.production",
        "DJANGO_SECRET_KEY": "k3!Vq9#Lm2@Zp8&Wr5^Ty1*Ux7(Sb4)Nc6_Hd0+Jf-Ge=Ra;Ko:Pi",
        "DJANGO_ALLOWED_HOSTS": "geo.example.tw",
        **extra,
    }


def test_production_settings_pass_check_deploy():
    env = production_env()
    proc = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "System check identified no issues" in proc.stdout


def test_gunicorn_config_serves_with_threaded_keep_alive_workers():
    """The config compose, the bench and the browser tests start gunicorn with, resolved as gunicorn reads it."""
    env = production_env(GUNICORN_WORKERS="3")
    cmd = [sys.executable, "-m", "gunicorn", "-c", "python:geo_portal.config.gunicorn", "--print-config"]
    proc = subprocess.run(
        [*cmd, "geo_portal.config.wsgi:application"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    resolved = {k.strip(): v for k, v in (line.split(" = ", 1) for line in proc.stdout.splitlines() if " = " in line)}
    assert {k: resolved[k].strip() for k in ("worker_class", "workers", "threads", "keepalive", "bind")} == {
        "worker_class": "gthread",
        "workers": "3",
        "threads": "4",
        "keepalive": "5",
        "bind": "['127.0.0.1:8000']",
    }


def test_production_refuses_a_missing_secret():
    env = production_env()
    env.pop("DJANGO_SECRET_KEY")
    proc = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1
    assert "DJANGO_SECRET_KEY must be set to a random string of at least 50 characters" in proc.stderr


def test_web_processes_and_commands_do_not_load_the_data_science_stack():
    """URLs and system checks load in every web worker and management command; pyarrow, GeoPandas and pandas
    (~150 MB) are imported only by the code that uses them (exports, analytics)."""
    code = (
        "import sys, django; django.setup(); from django.urls import resolve; resolve('/'); "
        "from django.core import checks; checks.run_checks(); "
        "print(sorted(m for m in ('pyarrow', 'geopandas', 'pandas', 'sqlalchemy', 'folium') if m in sys.modules))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "geo_portal.config.settings.test"}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=settings.BASE_DIR)
    assert (proc.returncode, proc.stdout.strip()) == (0, "[]"), proc.stderr
