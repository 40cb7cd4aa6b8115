"""The read-only SQLAlchemy engine behind ``geo_portal.analytics`` (GeoPandas reads through SQLAlchemy)."""

from __future__ import annotations

import os
from functools import cache

from sqlalchemy import Engine, create_engine

from geo_portal.core.dsn import database_url

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
    return database_url(db, scheme="postgresql+psycopg")


@cache
def engine() -> Engine:
    """One engine per process; every transaction on it is read-only (PostgreSQL refuses writes)."""
    from django.conf import settings

    return create_engine(
        sqlalchemy_url(settings.DATABASES["default"]),
        connect_args={"options": "-c default_transaction_read_only=on"},
        pool_pre_ping=True,
    )
