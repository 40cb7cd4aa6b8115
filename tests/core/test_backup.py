"""Backups (core.backup): a dump restored into a fresh PostgreSQL cluster holds the same rows, table by table, with
the same checksums; retention; a damaged file is refused and changes nothing; the nightly job is scheduled."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection

from geo_portal.core.backup import BackupError, backups, make_backup, restore_backup, verify

PGBIN = Path("/usr/lib/postgresql/15/bin")
DATABASES = "SELECT datname FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1') ORDER BY 1"
TABLE_SUM = "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM \"{table}\" t"


def _as_server_user(args: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root (as scripts/pg.sh does, run them as postgres then).
    return ["runuser", "-u", "postgres", "--", *args] if os.getuid() == 0 else args


@pytest.fixture
def fresh_cluster() -> Iterator[dict]:
    """A new, empty PostgreSQL cluster on a unix socket in a temporary directory; its Django-style settings."""
    home = Path(tempfile.mkdtemp(prefix="geo_portal_restore_"))
    if os.getuid() == 0:
        shutil.chown(home, "postgres", "postgres")
    data, sock = home / "data", home / "run"
    for path in (data, sock):
        path.mkdir(mode=0o700)
        if os.getuid() == 0:
            shutil.chown(path, "postgres", "postgres")
    run = {"cwd": "/", "check": True, "capture_output": True}
    subprocess.run(_as_server_user([str(PGBIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]), **run)
    opts = f"-k {sock} -p 55433 -c listen_addresses='' -c fsync=off"
    pg_ctl = [str(PGBIN / "pg_ctl"), "-D", str(data), "-w", "-l", str(home / "log")]
    subprocess.run(_as_server_user([*pg_ctl, "-o", opts, "start"]), **run)
    try:
        yield {"NAME": connection.settings_dict["NAME"], "USER": "postgres", "OPTIONS": {"host": str(sock), "port": 55433}}
    finally:
        subprocess.run(_as_server_user([*pg_ctl, "-m", "immediate", "stop"]), cwd="/", check=False, capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


def _checksums(db: dict) -> dict[str, tuple[int, str]]:
    """Every table of the public schema: its row count and an MD5 of its rows in a fixed order."""
    # One time zone and date style on both sides: timestamps are compared as text.
    env = {**os.environ, "PGHOST": db["OPTIONS"]["host"], "PGPORT": str(db["OPTIONS"]["port"]), "PGUSER": "postgres"}
    env.update(PGTZ="UTC", PGDATESTYLE="ISO, YMD")
    psql = ["psql", "-X", "-Atq", "-F", "\t", "-d", db["NAME"]]
    tables = subprocess.run(
        [*psql, "-c", "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"],
        env=env, check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    sums = {}
    for table in tables:
        row = subprocess.run(
            [*psql, "-c", TABLE_SUM.format(table=table)],
            env=env, check=True, capture_output=True, text=True,
        ).stdout.strip().split("\t")  # fmt: skip
        sums[table] = (int(row[0]), row[1])
    return sums


def _source() -> dict:
    s = connection.settings_dict
    return {"NAME": s["NAME"], "USER": s["USER"], "OPTIONS": s["OPTIONS"], "HOST": s["HOST"], "PORT": s["PORT"]}


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_a_fresh_cluster_has_the_same_rows_and_checksums(areas, fresh_cluster, tmp_path):
    User.objects.create_user("clerk-a", password="x")
    backup = make_backup(_source(), tmp_path / "backups", keep=3, now=datetime(2026, 12, 3, 2, 37, tzinfo=UTC))

    assert backup.path.name == "geo_portal-20261203T023700Z.dump"
    assert stat.S_IMODE(backup.path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "backups").stat().st_mode) == 0o700
    assert verify(backup.path) == backup.sha256
    assert (tmp_path / "backups" / "geo_portal-20261203T023700Z.dump.sha256").read_text() == (
        f"{backup.sha256}  geo_portal-20261203T023700Z.dump\n"
    )

    restore_backup(backup.path, fresh_cluster)

    source, restored = _checksums(_source()), _checksums(fresh_cluster)
    assert {t: v for t, v in restored.items() if source.get(t) != v} == {}
    assert restored == source
    assert source["areas_village"][0] == 2 and source["auth_user"][0] == 1


@pytest.mark.django_db(transaction=True)
def test_restore_swaps_databases_only_after_a_complete_load_and_refuses_a_damaged_file(areas, fresh_cluster, tmp_path):
    first = make_backup(_source(), tmp_path, keep=5, now=datetime(2026, 12, 1, tzinfo=UTC))
    restore_backup(first.path, fresh_cluster)
    User.objects.create_user("clerk-b", password="x")
    second = make_backup(_source(), tmp_path, keep=5, now=datetime(2026, 12, 2, tzinfo=UTC))

    restore_backup(second.path, fresh_cluster)  # over the first: that one is kept aside
    env = {"PGHOST": fresh_cluster["OPTIONS"]["host"], "PGPORT": "55433", "PGUSER": "postgres"}
    names = subprocess.run(
        ["psql", "-X", "-Atq", "-d", "postgres", "-c", DATABASES],
        env={**os.environ, **env}, check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    name = fresh_cluster["NAME"]
    assert names == [name, f"{name}_before_restore"]
    assert _checksums(fresh_cluster)["auth_user"][0] == 1

    damaged = tmp_path / "geo_portal-20261202T000000Z.dump"
    damaged.write_bytes(damaged.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(BackupError, match=r"checksum [0-9a-f]{64} does not match [0-9a-f]{64} \(damaged or changed file\)"):
        restore_backup(damaged, fresh_cluster)
    assert _checksums(fresh_cluster)["auth_user"][0] == 1  # unchanged

    (tmp_path / "geo_portal-20261201T000000Z.dump.sha256").unlink()
    with pytest.raises(BackupError, match=r"its checksum file geo_portal-20261201T000000Z.dump.sha256 is missing"):
        restore_backup(first.path, fresh_cluster)


@pytest.mark.django_db(transaction=True)
def test_retention_keeps_the_newest_backups(tmp_path):
    for day in (1, 2, 3, 4):
        make_backup(_source(), tmp_path, keep=2, now=datetime(2026, 12, day, tzinfo=UTC))
    assert [p.name for p in backups(tmp_path)] == ["geo_portal-20261203T000000Z.dump", "geo_portal-20261204T000000Z.dump"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "geo_portal-20261203T000000Z.dump",
        "geo_portal-20261203T000000Z.dump.sha256",
        "geo_portal-20261204T000000Z.dump",
        "geo_portal-20261204T000000Z.dump.sha256",
    ]
    with pytest.raises(BackupError, match="keep must be at least 1, not 0"):
        make_backup(_source(), tmp_path, keep=0)


@pytest.mark.django_db(transaction=True)
def test_backup_command_and_nightly_job(tmp_path, settings, capsys):
    from procrastinate.contrib.django import app

    settings.BACKUP_DIR = tmp_path
    settings.BACKUP_KEEP = 3
    call_command("backup_database")
    out = capsys.readouterr().out
    assert out.startswith(str(tmp_path / "geo_portal-")) and "sha256" in out
    assert len(backups(tmp_path)) == 1
    app.perform_import_paths()  # what a worker does at start: the task modules are not imported by every process
    periodic = {task.task.name: task.cron for task in app.periodic_registry.periodic_tasks.values()}
    assert periodic["core.backup_database"] == "37 2 * * *"
