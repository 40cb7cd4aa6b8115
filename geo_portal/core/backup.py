"""Backups of the serving database: ``pg_dump`` custom-format files with a SHA-256 sidecar, kept for a number of
runs, and an all-or-nothing restore.

Used by ``manage.py backup_database`` / ``restore_database`` (``make backup`` / ``make restore``) and by the nightly
job (``core.tasks``). Why pg_dump rather than base backups with WAL archiving: one database of a few hundred MB
dumps in seconds and restores on any PostgreSQL 15+ with PostGIS; point-in-time recovery (pgBackRest from Debian)
is the step up when the office needs a recovery point finer than a day — README, "Backups".

A restore never touches the live database until the dump has loaded completely: it loads into a new database,
then swaps names (the previous database is kept as ``<name>_before_restore`` until the next restore).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from geo_portal.core.dsn import connection_params

PREFIX = "geo_portal-"
SUFFIX = ".dump"


class BackupError(Exception):
    """A backup or restore that could not be made; nothing was changed."""


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int
    sha256: str
    seconds: float


def _env(params: dict[str, str]) -> dict[str, str]:
    env = {**os.environ, "PGHOST": params["host"], "PGPORT": params["port"], "PGUSER": params["user"]}
    if params["password"]:
        env["PGPASSWORD"] = params["password"]
    return env


def _run(tool: str, args: list[str], params: dict[str, str]) -> subprocess.CompletedProcess:
    """Run a PostgreSQL client tool (found on PATH) without a shell; arguments come from settings and code."""
    executable = shutil.which(tool)
    if executable is None:
        raise BackupError(f"{tool} is not installed (Debian package postgresql-client)")
    return subprocess.run(  # noqa: S603 (no shell; the arguments are ours)
        [executable, *args], env=_env(params), capture_output=True, text=True, check=False
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backups(directory: Path) -> list[Path]:
    """The backups in ``directory``, oldest first (names carry a UTC timestamp)."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.name.startswith(PREFIX) and p.name.endswith(SUFFIX))


def make_backup(db: dict, directory: Path, *, keep: int, now: datetime | None = None) -> Backup:
    """Dump database ``db`` (a Django ``DATABASES`` entry) into ``directory``; keep the newest ``keep`` backups.

    The file appears only when complete (written under a temporary name, then renamed); files are 0600 in a 0700
    directory, since a dump holds the register's encrypted national IDs and staff accounts.
    """
    if keep < 1:
        raise BackupError(f"keep must be at least 1, not {keep}")
    params = connection_params(db)
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    target = directory / f"{PREFIX}{stamp}{SUFFIX}"
    partial = target.with_name(target.name + ".partial")
    started = time.perf_counter()
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    done = _run("pg_dump", ["--format=custom", "--compress=6", "--file", str(partial), params["dbname"]], params)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    partial.rename(target)
    sha = _sha256(target)
    sidecar = target.with_name(target.name + ".sha256")
    sidecar.write_text(f"{sha}  {target.name}\n", encoding="ascii")
    sidecar.chmod(0o600)
    for old in backups(directory)[:-keep]:
        old.unlink()
        old.with_name(old.name + ".sha256").unlink(missing_ok=True)
    return Backup(target, target.stat().st_size, sha, time.perf_counter() - started)


def verify(path: Path) -> str:
    """The backup's SHA-256 if it matches its sidecar; a ``BackupError`` otherwise."""
    if not path.is_file():
        raise BackupError(f"{path}: no such backup file")
    sidecar = path.with_name(path.name + ".sha256")
    if not sidecar.is_file():
        raise BackupError(f"{path}: its checksum file {sidecar.name} is missing")
    expected = sidecar.read_text(encoding="ascii").split()[0]
    actual = _sha256(path)
    if actual != expected:
        raise BackupError(f"{path}: checksum {actual} does not match {expected} (damaged or changed file)")
    return actual


def _psql(params: dict[str, str], sql: str) -> None:
    done = _run("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-c", sql], params)
    if done.returncode != 0:
        raise BackupError(done.stderr.strip())


def restore_backup(path: Path, db: dict) -> float:
    """Replace database ``db`` by the backup at ``path``; all or nothing. Returns the seconds it took.

    Loads into ``<name>_restoring``; only when pg_restore succeeded (in one transaction) are sessions of the live
    database ended and the names swapped. The database it replaced stays as ``<name>_before_restore``.
    """
    verify(path)
    params = connection_params(db)
    name = params["dbname"]
    loading, previous = f"{name}_restoring", f"{name}_before_restore"
    started = time.perf_counter()
    _psql(params, f'DROP DATABASE IF EXISTS "{loading}" WITH (FORCE)')
    _psql(params, f'CREATE DATABASE "{loading}"')
    done = _run("pg_restore", ["--exit-on-error", "--single-transaction", "--no-owner", "-d", loading, str(path)], params)
    if done.returncode != 0:
        _psql(params, f'DROP DATABASE IF EXISTS "{loading}" WITH (FORCE)')
        raise BackupError(f"pg_restore failed, the database was not changed: {done.stderr.strip()}")
    _psql(params, f'DROP DATABASE IF EXISTS "{previous}" WITH (FORCE)')
    query = f"SELECT 1 FROM pg_database WHERE datname = '{name}'"
    if _run("psql", ["-X", "-Atq", "-d", "postgres", "-c", query], params).stdout.strip() == "1":
        # No new sessions (the web and the worker reconnect on their own), end the current ones, set it aside.
        _psql(params, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        _psql(
            params,
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()",
        )
        _psql(params, f'ALTER DATABASE "{name}" RENAME TO "{previous}"')
    _psql(params, f'ALTER DATABASE "{loading}" RENAME TO "{name}"')
    return time.perf_counter() - started
