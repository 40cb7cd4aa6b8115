"""Settings for pytest: fast password hashing, plain static storage, a fixed test secret."""

import os

from .base import *  # noqa: F403

SECRET_KEY = "test-only-not-secret-geo-portal"  # noqa: S105 (tests only)
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405

# Tests use the throw-away cluster (durability relaxed for speed), never the platform's durable one.
if not os.environ.get("DATABASE_URL"):
    _test_cluster = dj_database_url.parse(private_cluster_url("test"), engine="django.contrib.gis.db.backends.postgis")  # noqa: F405
    for _key in ("HOST", "PORT"):
        DATABASES["default"][_key] = _test_cluster[_key]  # noqa: F405
    DATABASES["default"]["OPTIONS"] = {**DATABASES["default"]["OPTIONS"], **_test_cluster["OPTIONS"]}  # noqa: F405

# Tests run every query on the default connection (the search alias would only mirror it in tests anyway).
DATABASES.pop("search")  # noqa: F405
DATABASES.pop("replica")  # noqa: F405
SEARCH_DB = "default"
TILE_CACHE_DB = "default"
# Tests see each committed change at once (tests of the recheck window set it themselves).
PUBLIC_DATA_RECHECK_SECONDS = 0.0
# The browser tests' live server serves static files straight from the apps and node_modules (no collectstatic).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Several test runs can share one cluster (e.g. two checkouts): each names its own test database.
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("GEO_PORTAL_TEST_DB", "test_geo_portal")}  # noqa: F405

# Development keys for the household register's national IDs (synthetic data only; never used in production).
REGISTRY_ENCRYPTION_KEYS = REGISTRY_ENCRYPTION_KEYS or "1:ZGV2LW9ubHktcmVnaXN0cnktZW5jcnlwdGlvbi1rZXk="  # noqa: F405
REGISTRY_HASH_KEYS = REGISTRY_HASH_KEYS or "1:ZGV2LW9ubHktcmVnaXN0cnktbG9va3VwLWhhc2gtayE="  # noqa: F405
