"""Settings shared by every environment. Secrets and the database come from the environment.

Without ``DATABASE_URL`` the project uses its private, durable PostGIS cluster (``scripts/pg.sh start serve``): a
unix socket in ``.data/run`` (mode 0700: only the project's user can connect) on port 5433, database ``geo_portal``,
no TCP listener. The test settings use the throw-away test cluster instead (``.data/test-run``, port 5434).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
import pghistory
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parents[3]
SHARED_DATA_DIR = Path(os.environ.get("GEO_PORTAL_SHARED_DATA", BASE_DIR.parent / "shared" / "data" / "real"))
GIS_DATA_DIR = BASE_DIR / "gis_data"

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h]

INSTALLED_APPS = [
    "geo_portal.core.admin_site.PortalAdminConfig",  # django.contrib.admin with the platform's name and app order
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.gis",
    "django.contrib.postgres",
    "leaflet",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "procrastinate.contrib.django",
    # Staff two-factor sign-in: authenticator apps (TOTP) and single-use backup codes (accounts.two_factor).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "geo_portal.core",
    "geo_portal.jobs",
    "geo_portal.ingest",
    "geo_portal.accounts",
    "geo_portal.changes",
    "geo_portal.areas",
    "geo_portal.addresses",
    "geo_portal.buildings",
    "geo_portal.reports",
    "geo_portal.exports",
    "geo_portal.offices",
    "geo_portal.notifications",
    "geo_portal.census",
    "geo_portal.reissue",
    "geo_portal.registry",
    "geo_portal.renumbering",
    "geo_portal.homevisits",
    "geo_portal.publicmap",
    "geo_portal.api",
    "geo_portal.staff",
    "geo_portal.demo",
]

MIDDLEWARE = [
    # First: X-Forwarded-* headers count only from the proxy in front (TRUSTED_PROXIES), before anything reads them.
    "geo_portal.core.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The language comes from the Accept-Language header or the language cookie (not the session, since Django 4).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "geo_portal.core.middleware.ContentSecurityPolicyMiddleware",
    "geo_portal.core.middleware.PermissionsPolicyMiddleware",
    # Anonymous GETs of tiles and geocoding are answered here, with every header above, without the signed-in
    # middleware below (config.fast_path). Only header-adding, request-independent middleware may come before it.
    "geo_portal.config.fast_path.PublicFastPathMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Staff sessions: idle timeout, and only the two-factor pages for a user who still owes a second factor.
    "geo_portal.accounts.middleware.StaffSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Records who changed what (user, URL) into every history event written during a request (writes only:
    # see PGHISTORY_MIDDLEWARE_METHODS).
    "pghistory.middleware.HistoryMiddleware",
]

# GET requests never write, so they skip pghistory's context (which prefixes every query with a set_config).
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# History rows are read by their object (a plate's changes) and context only: the copies of the tracked rows' other
# foreign keys (district, village, road…) get no index — a 10 M-plate first import would build five more, and every
# plate write would keep them. The successor events' lookup by plate is indexed in its model's Meta.
PGHISTORY_FOREIGN_KEY_FIELD = pghistory.ForeignKey(db_index=False)
PGHISTORY_OBJ_FIELD = pghistory.ObjForeignKey(db_index=True)
PGHISTORY_CONTEXT_FIELD = pghistory.ContextForeignKey(db_index=True)

ROOT_URLCONF = "geo_portal.config.urls"
WSGI_APPLICATION = "geo_portal.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


PRIVATE_CLUSTERS = {"serve": ("run", 5433), "test": ("test-run", 5434)}


def private_cluster_url(cluster: str = "serve") -> str:
    """URL of a private cluster started by scripts/pg.sh (socket directory inside the checkout).

    The role is ``GEO_PORTAL_DB_USER`` (default the superuser ``postgres``): ``make demo`` migrates and loads as
    ``geo_portal_owner`` and serves as ``geo_portal_web`` (core.db_roles).
    """
    socket_dir, port = PRIVATE_CLUSTERS[cluster]
    user = os.environ.get("GEO_PORTAL_DB_USER", "postgres")
    return f"postgis://{user}@/geo_portal?host={BASE_DIR / '.data' / socket_dir}&port={port}"


DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or private_cluster_url(), engine="django.contrib.gis.db.backends.postgis"
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # services own their transactions
# Persistent connections: opening one (with PostGIS's version check) costs ~10 ms per request otherwise.
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DJANGO_CONN_MAX_AGE", "60"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Statements are prepared only when a cursor asks (core.db.prepared_cursor; the default connection's own cursors bind
# on the client and never prepare). Django's default, None, would refuse even those.
DATABASES["default"]["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), "prepare_threshold": 2**31 - 1}
# Read-only search queries go through a second connection with server-side binding, so psycopg prepares the
# statements that repeat and PostgreSQL skips planning them (~1.5 ms per geocode). The default connection keeps
# client-side binding: importers send multi-statement SQL and pghistory prepends its context to queries.
DATABASES["search"] = {
    **DATABASES["default"],
    "OPTIONS": {**DATABASES["default"].get("OPTIONS", {}), "server_side_binding": True, "prepare_threshold": 2},
    # Read-only role for searches and tiles when given (core.db_roles: geo_portal_reader; make demo and compose give
    # it): nothing writes on this connection (the tile cache stores on the default one, publicmap.services).
    "USER": os.environ.get("GEO_PORTAL_SEARCH_DB_USER") or DATABASES["default"]["USER"],
    "PASSWORD": os.environ.get("GEO_PORTAL_SEARCH_DB_PASSWORD") or DATABASES["default"]["PASSWORD"],
    "TEST": {"MIRROR": "default"},
    # No "SELECT 1" before each request's first query (~0.1 ms on every tile and search): a connection that
    # broke (database restart) fails that one request, and Django closes it at the request's end.
    "CONN_HEALTH_CHECKS": False,
}
# A streaming replica (hot standby) for the public reads: geocoding, autocomplete, reverse, public pages and tile
# encoding (README, "Beyond one machine"). Without GEO_PORTAL_REPLICA_URL the alias is the search connection's
# server and role, and the reads stay on ``search`` itself (no third connection per thread).
_REPLICA_URL = os.environ.get("GEO_PORTAL_REPLICA_URL", "")


def _replica(url: str) -> dict:
    """The search connection's settings pointed at ``url``'s server (its host, port, database and role)."""
    if not url:
        return {**DATABASES["search"]}
    parsed = dj_database_url.parse(url, engine="django.contrib.gis.db.backends.postgis")
    options = {k: v for k, v in DATABASES["search"]["OPTIONS"].items() if k not in ("host", "port")}
    return {
        **DATABASES["search"],
        **{key: parsed[key] for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT")},
        "OPTIONS": {**options, **parsed.get("OPTIONS", {})},
    }


DATABASES["replica"] = _replica(_REPLICA_URL)
# Public read-only queries: the replica when there is one, else the primary's search connection.
SEARCH_DB = "replica" if _REPLICA_URL else "search"
# The tile cache is read on the primary (its tables are UNLOGGED: a standby has none) and written on default.
TILE_CACHE_DB = "search"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Staff passwords: Argon2 (memory-hard) first; the others still verify older hashes and are upgraded at sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Roles give model permissions (ModelBackend); the rules package adds object-level rules (accounts.rules).
AUTHENTICATION_BACKENDS = [
    # Refuses a locked account name before any password is checked (accounts.lockout).
    "geo_portal.accounts.lockout.LockoutBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Staff sessions end after this long without a request (any request extends them), and after a work day at most.
STAFF_IDLE_TIMEOUT_S = int(os.environ.get("GEO_PORTAL_STAFF_IDLE_TIMEOUT_S", str(30 * 60)))
SESSION_COOKIE_AGE = int(os.environ.get("GEO_PORTAL_SESSION_MAX_AGE_S", str(12 * 3600)))
# Roles that sign in with a second factor (authenticator app or backup code) besides the password. Every role that
# reads persons' or applicants' data does whatever this says (accounts.roles.PERSONAL_DATA_ROLES: clerk, reviewer,
# registrar, administrator); a deployment may add others. Superusers always do, and so does anyone who enrolled a
# device (accounts.two_factor).
STAFF_TWO_FACTOR_ROLES = tuple(
    r for r in os.environ.get("GEO_PORTAL_STAFF_TWO_FACTOR_ROLES", "clerk,reviewer,registrar,administrator").split(",") if r
)
OTP_TOTP_ISSUER = os.environ.get("GEO_PORTAL_OTP_ISSUER", "geo_portal")
# Per-account lockout (accounts.lockout): after this many failed sign-ins of one account name, locked for the base
# time, doubling with each further failure up to the maximum; a successful sign-in clears the count.
LOGIN_LOCKOUT_THRESHOLD = int(os.environ.get("GEO_PORTAL_LOGIN_LOCKOUT_THRESHOLD", "5"))
LOGIN_LOCKOUT_BASE_S = int(os.environ.get("GEO_PORTAL_LOGIN_LOCKOUT_BASE_S", "60"))
LOGIN_LOCKOUT_MAX_S = int(os.environ.get("GEO_PORTAL_LOGIN_LOCKOUT_MAX_S", str(24 * 3600)))

LANGUAGE_CODE = "zh-hant"
LANGUAGES = [("zh-hant", _("Traditional Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "geo_portal" / "locale"]
TIME_ZONE = "Asia/Taipei"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / ".data" / "static"
# Uploaded files (citizen report photos). No MEDIA_URL route: photos are served to staff by reports.views only.
MEDIA_ROOT = Path(os.environ.get("GEO_PORTAL_MEDIA_ROOT", BASE_DIR / ".data" / "media"))
# Nightly database backups (core.backup, make backup / make restore): pg_dump files kept for BACKUP_KEEP runs.
BACKUP_DIR = Path(os.environ.get("GEO_PORTAL_BACKUP_DIR", BASE_DIR / ".data" / "backups"))
BACKUP_KEEP = int(os.environ.get("GEO_PORTAL_BACKUP_KEEP", "14"))
REPORT_PHOTO_MAX_BYTES = 8 * 1024 * 1024
# Uploaded files are private to the server's user: files 0600, the folders made for them 0700.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# A citizen report's contact and photo are removed this many days after the report was closed (reports.tasks).
REPORTS_PERSONAL_DATA_RETENTION_DAYS = int(os.environ.get("GEO_PORTAL_REPORTS_PERSONAL_DATA_RETENTION_DAYS", "180"))
# Memory one photo may take to decode and re-encode (pixels × bytes per pixel of its mode, plus a working copy):
# 128 MB lets four uploads decode at once within 512 MB. About 16 MP for colour, 25 MP for greyscale; a larger
# JPEG is decoded at 1/2, 1/4 or 1/8 scale instead (see reports.photo).
REPORT_PHOTO_DECODE_BUDGET_BYTES = int(os.environ.get("GEO_PORTAL_REPORT_PHOTO_DECODE_BUDGET_BYTES", str(128 * 1024 * 1024)))
# Batch geocoding (api.batch_jobs). The synchronous POST /api/v1/geocode/batch takes at most this many rows and
# starts no chunk after this many seconds (it then ends with a "stopped" row); its response goes out a chunk at a time,
# so a client that leaves stops the work within one chunk. Larger files are jobs on the queue: their uploads and
# results are kept privately (0600 files in a 0700 folder) for GEOCODE_BATCH_KEEP_HOURS, fetched by token.
GEOCODE_BATCH_SYNC_MAX_ROWS = int(os.environ.get("GEO_PORTAL_GEOCODE_BATCH_SYNC_MAX_ROWS", "2000"))
GEOCODE_BATCH_SYNC_SECONDS = float(os.environ.get("GEO_PORTAL_GEOCODE_BATCH_SYNC_SECONDS", "30"))
GEOCODE_BATCH_STREAM_CHUNK_ROWS = int(os.environ.get("GEO_PORTAL_GEOCODE_BATCH_STREAM_CHUNK_ROWS", "200"))
GEOCODE_BATCH_JOB_MAX_BYTES = int(os.environ.get("GEO_PORTAL_GEOCODE_BATCH_JOB_MAX_BYTES", str(200 * 1024 * 1024)))
GEOCODE_BATCH_KEEP_HOURS = int(os.environ.get("GEO_PORTAL_GEOCODE_BATCH_KEEP_HOURS", "24"))
GEOCODE_BATCH_DIR = Path(os.environ.get("GEO_PORTAL_GEOCODE_BATCH_DIR", BASE_DIR / ".data" / "batch-geocoding"))

# The household register (geo_portal.registry). National IDs are encrypted (AES-256-GCM) and looked up through a
# keyed hash (HMAC-SHA256), each with a key ring "<id>:<base64 key>,…" whose first key is current (rotation: README,
# "Household registration"). No default here: local and test settings set fixed development keys, and the register
# refuses to read or write an ID without its keys.
REGISTRY_ENCRYPTION_KEYS = os.environ.get("GEO_PORTAL_REGISTRY_ENCRYPTION_KEYS", "")
REGISTRY_HASH_KEYS = os.environ.get("GEO_PORTAL_REGISTRY_HASH_KEYS", "")
# Scanned registration documents: private storage outside MEDIA_ROOT, served by no URL route (staff views only).
REGISTRY_DOCUMENTS_ROOT = Path(
    os.environ.get("GEO_PORTAL_REGISTRY_DOCUMENTS_ROOT", BASE_DIR / ".data" / "registry-documents")
)
REGISTRY_DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
# Only synthetic national IDs (the never-issued range) are accepted unless a deployment says it holds real data.
REGISTRY_ACCEPT_REAL_IDS = os.environ.get("GEO_PORTAL_REGISTRY_ACCEPT_REAL_IDS", "0") == "1"
# Front-end libraries installed by npm (scripts/bootstrap.sh) and served as our own static files: no CDN.
STATICFILES_DIRS = [
    ("vendor/protomaps-leaflet", BASE_DIR / "node_modules" / "protomaps-leaflet" / "dist"),
    # The census field app: IndexedDB through idb, and Workbox's prebuilt service-worker modules (one folder).
    ("vendor/idb", BASE_DIR / "node_modules" / "idb" / "build"),
    *(
        ("vendor/workbox", BASE_DIR / "node_modules" / f"workbox-{name}" / "build")
        for name in ("core", "routing", "strategies", "precaching")
    ),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser", "rest_framework.parsers.MultiPartParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    # Public endpoints are throttled per client address, each endpoint family on its own counter (core.throttling;
    # the families by URL name: THROTTLE_FAMILIES below), counted in the shared cache.
    "DEFAULT_THROTTLE_CLASSES": ["geo_portal.core.throttling.FamilyThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        # API views of no family below (the change feed, the schema).
        "anon": os.environ.get("GEO_PORTAL_THROTTLE_ANON", "120/minute"),
        "user": os.environ.get("GEO_PORTAL_THROTTLE_USER", "600/minute"),
        "geocode": os.environ.get("GEO_PORTAL_THROTTLE_GEOCODE", "120/minute"),
        # One request per keystroke (debounced) while an address is typed.
        "autocomplete": os.environ.get("GEO_PORTAL_THROTTLE_AUTOCOMPLETE", "300/minute"),
        "reverse": os.environ.get("GEO_PORTAL_THROTTLE_REVERSE", "120/minute"),
        # A plate's card in the API (the map's cards and plate pages are "pages").
        "plates": os.environ.get("GEO_PORTAL_THROTTLE_PLATES", "240/minute"),
        "batch_anon": os.environ.get("GEO_PORTAL_THROTTLE_BATCH_ANON", "10/hour"),
        "batch_user": os.environ.get("GEO_PORTAL_THROTTLE_BATCH_USER", "120/hour"),
        "reports": os.environ.get("GEO_PORTAL_THROTTLE_REPORTS", "10/hour"),
        # A map view loads 20–60 tiles; panning a few hundred a minute.
        "tiles": os.environ.get("GEO_PORTAL_THROTTLE_TILES", "3000/minute"),
        "pages": os.environ.get("GEO_PORTAL_THROTTLE_PAGES", "120/minute"),
        "login": os.environ.get("GEO_PORTAL_THROTTLE_LOGIN", "10/minute"),
        # Whole-layer downloads (tens of MB each) per client.
        "exports": os.environ.get("GEO_PORTAL_THROTTLE_EXPORTS", "20/hour"),
        # The public status page of re-issue cases, looked up by reference number.
        "case_status": os.environ.get("GEO_PORTAL_THROTTLE_CASE_STATUS", "30/minute"),
        # The public status page of citizen reports, looked up by reference number.
        "report_status": os.environ.get("GEO_PORTAL_THROTTLE_REPORT_STATUS", "30/minute"),
    },
    # Public endpoints carry no security requirement in the OpenAPI schema (no padlock in the docs).
    "DEFAULT_SCHEMA_CLASS": "geo_portal.api.schema.PublicAutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "geo_portal API",
    "DESCRIPTION": (
        "Door-plate (門牌) search for Taiwan household registration offices. Every endpoint is public: no sign-in"
        " and no key (staff signed in to the site get a higher rate). Requests are throttled per client; too many"
        " get HTTP 429 with Retry-After. Bad input is HTTP 400 with a JSON body naming each field and its reason,"
        " in zh-Hant or English by Accept-Language. Coordinates: WGS84 lon/lat and TWD97 TM2 (EPSG:3826) x/y."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from our own static files (drf-spectacular-sidecar): the docs page works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

CACHES = {
    # Shared by every worker process and server (PostgreSQL; core.cache): throttle counters and DRF's throttle
    # histories. The table is created by core's migrations.
    "default": {
        "BACKEND": "geo_portal.core.cache.SharedCache",
        "LOCATION": "core_cache",
        "OPTIONS": {"MAX_ENTRIES": 200_000, "CULL_FREQUENCY": 4},
    },
}
# API endpoint families by URL name: each has its own throttle scope (rate above); other API views count as "anon".
THROTTLE_FAMILIES = {
    "api:geocode": "geocode",
    "api:autocomplete": "autocomplete",
    "api:reverse": "reverse",
    "api:plate": "plates",
}
# Anonymous GETs of tiles and geocoding skip the session, authentication and staff middleware (config.fast_path).
PUBLIC_FAST_PATH = os.environ.get("GEO_PORTAL_PUBLIC_FAST_PATH", "1") != "0"
# Geocode answers each API worker process keeps, keyed by the data version (api.answer_cache); 0 turns it off.
# An answer is ~0.5 KB of JSON (one plate; up to ~3 KB with five): 10,000 take 5–30 MB per process.
GEOCODE_ANSWER_CACHE_ENTRIES = int(os.environ.get("GEO_PORTAL_GEOCODE_ANSWER_CACHE_ENTRIES", "10000"))
# Each process takes throttle counts from the shared counter in leases of limit ÷ this (at least 1): exact for
# small limits (sign-in, reports), one database call per 30 tiles at 3000/minute (core.cache).
THROTTLE_LEASE_DIVISOR = int(os.environ.get("GEO_PORTAL_THROTTLE_LEASE_DIVISOR", "100"))
# Staff signed in get this many times a family's rate (counted per user, not per address).
THROTTLE_SIGNED_IN_FACTOR = int(os.environ.get("GEO_PORTAL_THROTTLE_SIGNED_IN_FACTOR", "5"))

# Door-plate write services refuse a point farther than this outside the district boundary (metres).
PLATE_DISTRICT_TOLERANCE_M = float(os.environ.get("GEO_PORTAL_PLATE_DISTRICT_TOLERANCE_M", "50"))
# The change log keeps every event at least this long (then compacts; see changes.services.prune_events).
CHANGES_RETENTION_DAYS = int(os.environ.get("GEO_PORTAL_CHANGES_RETENTION_DAYS", "400"))

TILE_URL = os.environ.get("GEO_PORTAL_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")


def _origin(url: str) -> str:
    scheme, _sep, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}" if rest else "'self'"


# Content Security Policy (django-csp): no inline script or style on public pages; map tiles from the basemap host.
# The admin's Leaflet widgets use inline scripts, so /admin/ gets 'unsafe-inline' (core.middleware).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", _origin(TILE_URL)],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
PERMISSIONS_POLICY = "geolocation=(self), camera=(), microphone=(), payment=(), usb=()"

LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (24.79, 120.99),  # 新竹市東區
    "DEFAULT_ZOOM": 14,
    "MIN_ZOOM": 7,
    "MAX_ZOOM": 19,
    "TILES": [
        (
            "OpenStreetMap",
            TILE_URL,
            {"attribution": "&copy; OpenStreetMap contributors", "maxZoom": 19},
        )
    ],
    "RESET_VIEW": False,
}

# gis.W001 warns that GDAL < 3.9 (Debian 12 ships 3.6) cannot block file/network access from malicious
# spatial-reference strings. geo_portal never builds a SpatialReference from user input: SRIDs are integers
# checked against core.geo.KNOWN_SRIDS, and uploaded files are read by pyogrio's own bundled GDAL.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
}

# Job queue (procrastinate, in this database; the worker is `manage.py procrastinate worker`). Every worker records
# the error of each failed attempt (geo_portal.jobs.queue). Jobs give up waiting for a lock after
# JOBS_LOCK_TIMEOUT_MS and are retried with backoff; finished jobs are deleted after JOBS_KEEP_DAYS.
PROCRASTINATE_ON_APP_READY = "geo_portal.jobs.queue.on_app_ready"
# Task modules are imported by the worker and when a job is deferred, not by every process at start-up
# (geo_portal.jobs.queue: on_app_ready lists them as procrastinate's import paths).
PROCRASTINATE_AUTODISCOVER_MODULE_NAME = ""
JOBS_LOCK_TIMEOUT_MS = int(os.environ.get("GEO_PORTAL_JOBS_LOCK_TIMEOUT_MS", "10000"))
JOBS_KEEP_DAYS = int(os.environ.get("GEO_PORTAL_JOBS_KEEP_DAYS", "30"))
# How old a web process's reading of the public data's version (the change log's latest txid) may be for its own
# caches of geocode answers and tiles (changes.recent), and of the gazetteer's checksum of roads: a committed change
# reaches them within this many seconds.
PUBLIC_DATA_RECHECK_SECONDS = float(os.environ.get("GEO_PORTAL_PUBLIC_DATA_RECHECK_SECONDS", "1.0"))
# Bytes of cached tiles each web worker process keeps in memory in front of the shared tile cache (publicmap.tile_memory).
TILE_MEMORY_BYTES = int(os.environ.get("GEO_PORTAL_TILE_MEMORY_BYTES", str(32 * 1024 * 1024)))
# Cached vector tiles older than this are deleted nightly (tiles nobody asked for again; publicmap.tasks).
TILE_CACHE_MAX_AGE_DAYS = int(os.environ.get("GEO_PORTAL_TILE_CACHE_MAX_AGE_DAYS", "30"))
# procrastinate lists its tasks and schedules at INFO on every start of every command, and WeasyPrint logs each
# step of parsing its stylesheets when it is imported and for every PDF: keep their warnings only.
LOGGING.setdefault("loggers", {}).update(
    {
        name: {"level": "WARNING"}
        for name in ("procrastinate.blueprints", "procrastinate.periodic", "weasyprint", "weasyprint.progress", "fontTools")
    }
)

# The proxies in front of the web process (addresses or networks, comma-separated): only their X-Forwarded-Proto and
# X-Forwarded-For count (core.middleware.TrustedProxyMiddleware). docker-compose names its Caddy service.
TRUSTED_PROXIES = [p for p in os.environ.get("GEO_PORTAL_TRUSTED_PROXIES", "").split(",") if p.strip()]
# Client addresses for throttling: trust X-Forwarded-For only from as many proxies as are really in front.
REST_FRAMEWORK["NUM_PROXIES"] = int(os.environ.get("GEO_PORTAL_NUM_PROXIES", "0"))

# E-mail (receipts to applicants) through SMTP, configured from the environment; `make demo` prints e-mails on the
# worker's console instead (settings.local) unless EMAIL_HOST is set.
EMAIL_BACKEND = os.environ.get("GEO_PORTAL_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "0") == "1"
EMAIL_USE_SSL = os.environ.get("EMAIL_USE_SSL", "0") == "1"
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "geo_portal <no-reply@localhost>")


def _step_days(text: str) -> dict[str, int]:
    """``"ordered=30,delivered=10"`` → {"ordered": 30, "delivered": 10} (GEO_PORTAL_REISSUE_STEP_DAYS)."""
    pairs = (item.split("=", 1) for item in text.split(",") if item.strip())
    return {key.strip(): int(value) for key, value in pairs}


# Re-issuance (補發門牌): the office that issues receipts (code in receipt numbers, names printed on them), the
# target days for each step of a case (its due date; the overdue follow-up reads them), the plate maker named on
# order sheets, and what proves an installation (a photo with a GPS position within this distance of the plate).
REISSUE_OFFICE = {
    "code": os.environ.get("GEO_PORTAL_REISSUE_OFFICE_CODE", "HCE"),
    "name": os.environ.get("GEO_PORTAL_REISSUE_OFFICE_NAME", "新竹市東區戶政事務所"),
    "name_en": os.environ.get(
        "GEO_PORTAL_REISSUE_OFFICE_NAME_EN", "Hsinchu City East District Household Registration Office"
    ),
}
REISSUE_STEP_DAYS = {
    "requested": 3,
    "fee_assessed": 14,
    "paid": 5,
    "ordered": 21,
    "delivered": 14,
    "installed": 3,
    "collected": 3,
    **_step_days(os.environ.get("GEO_PORTAL_REISSUE_STEP_DAYS", "")),
}
REISSUE_PLATE_MAKER = os.environ.get("GEO_PORTAL_REISSUE_PLATE_MAKER", "門牌製作廠商 (plate maker)")
REISSUE_INSTALL_GPS_REQUIRED = os.environ.get("GEO_PORTAL_REISSUE_INSTALL_GPS_REQUIRED", "1") == "1"
REISSUE_INSTALL_MAX_DISTANCE_M = float(os.environ.get("GEO_PORTAL_REISSUE_INSTALL_MAX_DISTANCE_M", "100"))
# Overdue cases: the clerk is reminded on the first overdue day, then every this many days while it stays overdue.
REISSUE_REMIND_EVERY_DAYS = int(os.environ.get("GEO_PORTAL_REISSUE_REMIND_EVERY_DAYS", "7"))
# Operations checks (staff.operations; /healthz, the staff home, the alert e-mail to administrators): a worker is
# missing when its last heartbeat is older than this; the backlog is too long when a due job waited longer.
OPS_WORKER_HEARTBEAT_MAX_S = int(os.environ.get("GEO_PORTAL_OPS_WORKER_HEARTBEAT_MAX_S", "120"))
OPS_BACKLOG_MAX_WAIT_S = int(os.environ.get("GEO_PORTAL_OPS_BACKLOG_MAX_WAIT_S", "600"))
# The site's address for links in e-mails (https://doorplates.example.gov.tw); empty: links are paths only.
SITE_URL = os.environ.get("GEO_PORTAL_SITE_URL", "").rstrip("/")
