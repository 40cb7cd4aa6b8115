"""Least-privilege database roles: an owner for migrations and imports, a web role for serving, a read-only role.

``manage.py db_roles`` runs this with a superuser connection before migrations (``make demo``, docker-compose):

- ``geo_portal_owner`` owns the database, its schema and every object the migrations made (migrations, imports,
  ``demo_setup`` and other management commands connect as it);
- ``geo_portal_web`` (gunicorn and the job worker) may read and write rows and use sequences — no DDL: it cannot
  create, alter, drop or truncate a table, nor disable a trigger (so the change log and the append-only logs hold);
- ``geo_portal_reader`` (the ``search`` connection: geocoding, tiles) may only read.

Extensions are created here because PostGIS is not a trusted extension (a non-superuser owner cannot create it).
Default privileges make every table a later migration creates readable/writable by the web role and readable by
the reader, with no further step. Idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

EXTENSIONS = ("postgis", "pg_trgm", "btree_gist")


@dataclass(frozen=True)
class Roles:
    owner: str = "geo_portal_owner"
    web: str = "geo_portal_web"
    reader: str = "geo_portal_reader"


# Objects of schema public that an extension does not own: tables, views, sequences not owned by a column,
# functions, and types that stand alone (enums, domains, composite types that are not a table's row type).
_OWNED = """
SELECT 'TABLE', c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
UNION ALL
SELECT 'SEQUENCE', c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind = 'S'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND d.deptype IN ('e', 'a', 'i'))
UNION ALL
SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END, p.oid::regprocedure::text
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'public'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
UNION ALL
SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.oid::regtype::text
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'c') AND (t.typtype <> 'c' OR (
      SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
"""


def ensure_roles(cursor, *, database: str, roles: Roles = Roles(), passwords: dict[str, str] | None = None) -> int:
    """Create or update the three roles and their privileges on ``database`` (the cursor's database, a superuser
    connection); returns how many objects changed owner."""
    passwords = passwords or {}
    for extension in EXTENSIONS:
        cursor.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(extension)))
    for role in (roles.owner, roles.web, roles.reader):
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        verb = "ALTER" if cursor.fetchone() else "CREATE"
        # NOSUPERUSER etc. are the defaults; stated so that an ALTER also takes back anything granted by hand.
        statement = sql.SQL("{} ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS").format(
            sql.SQL(verb), sql.Identifier(role)
        )
        if passwords.get(role):
            statement = sql.SQL("{} PASSWORD {}").format(statement, sql.Literal(passwords[role]))
        cursor.execute(statement)
    owner, web, reader = (sql.Identifier(r) for r in (roles.owner, roles.web, roles.reader))
    db = sql.Identifier(database)
    cursor.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(db, owner))
    cursor.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(owner))
    cursor.execute(sql.SQL("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
    cursor.execute(_OWNED)
    objects = cursor.fetchall()
    for kind, name in objects:
        # Names come from the catalogue already quoted (regclass/regprocedure/regtype output).
        cursor.execute(sql.SQL("ALTER {} {} OWNER TO {}").format(sql.SQL(kind), sql.SQL(name), owner))
    grants = [
        "GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {web}, {reader}",
        "GRANT USAGE ON SCHEMA public TO {web}, {reader}",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {web}",
        "GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {web}",
        "GRANT SELECT ON ALL TABLES IN SCHEMA public TO {reader}",
        "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {web}",
        "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {web}",
        "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT SELECT ON TABLES TO {reader}",
        # The same for objects a superuser creates (a migration run by hand as postgres): still usable by the web.
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {web}",
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {web}",
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {reader}",
    ]
    for grant in grants:
        cursor.execute(sql.SQL(grant).format(db=db, owner=owner, web=web, reader=reader))
    return len(objects)
