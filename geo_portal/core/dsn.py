"""Database URLs for the other clients of a Django database (SQLAlchemy, a subprocess, a bare psycopg connection).

dj-database-url puts the host and port of a unix-socket URL (``postgis://user@/db?host=/dir&port=5433``) in
``OPTIONS``, not in ``HOST``/``PORT``; these helpers read both. No Django import: usable before setup.
"""

from __future__ import annotations

from urllib.parse import quote


def connection_params(db: dict) -> dict[str, str]:
    """host, port, dbname, user and password of a Django ``DATABASES`` entry (empty strings when unset)."""
    options = db.get("OPTIONS", {})
    return {
        "host": str(db.get("HOST") or options.get("host") or ""),
        "port": str(db.get("PORT") or options.get("port") or ""),
        "dbname": db["NAME"],
        "user": db.get("USER") or "",
        "password": db.get("PASSWORD") or "",
    }


def database_url(db: dict, scheme: str = "postgis") -> str:
    """The entry as a URL with ``scheme`` (``postgis`` for dj-database-url, ``postgresql+psycopg`` for SQLAlchemy)."""
    p = connection_params(db)
    auth = quote(p["user"], safe="") + (":" + quote(p["password"], safe="") if p["password"] else "")
    if p["host"].startswith("/"):
        port = f"&port={p['port']}" if p["port"] else ""
        return f"{scheme}://{auth}@/{p['dbname']}?host={quote(p['host'], safe='/')}{port}"
    port = f":{p['port']}" if p["port"] else ""
    return f"{scheme}://{auth}@{p['host']}{port}/{p['dbname']}"
