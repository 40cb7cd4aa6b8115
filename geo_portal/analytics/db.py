"""The read-only SQLAlchemy engine behind ``geo_portal.analytics`` (GeoPandas reads through SQLAlchemy)."""

from __future__ import annotations

import os
from functools import cache
from urllib.parse import quote

from sqlalchemy import Engine, create_engine

DEFAULT_SETTINGS = "geo_portal.config.settings.local"


def setup(settings_module: str | None = None) -> Engine:
    """Configure Django (settings and database from the environment, as for ``manage.py``); return the engine.

    The only call a notebook needs before using ``geo_portal.analytics``.
    """
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module or DEFAULT_SETTINGS)
    django.setup()
    return engine()


def sqlalchemy_url(db: dict) -> str:
    """SQLAlchemy URL (psycopg 3 driver) for a Django DATABASES entry, unix sockets included."""
    options = db.get("OPTIONS", {})
    host = db.get("HOST") or options.get("host", "")
    port = db.get("PORT") or options.get("port", "")
    auth = quote(db["USER"], safe="") + (":" + quote(db["PASSWORD"], safe="") if db.get("PASSWORD") else "")
    if host.startswith("/"):
        return f"postgresql+psycopg://{auth}@/{db['NAME']}?host={quote(host, safe='/')}" + (f"&port={port}" if port else "")
    return f"postgresql+psycopg://{auth}@{host}{':' + str(port) if port else ''}/{db['NAME']}"


@cache
def engine() -> Engine:
    """One engine per process; every transaction on it is read-only (PostgreSQL refuses writes)."""
    from django.conf import settings

    return create_engine(
        sqlalchemy_url(settings.DATABASES["default"]),
        connect_args={"options": "-c default_transaction_read_only=on"},
        pool_pre_ping=True,
    )
