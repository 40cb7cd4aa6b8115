"""Settings for ``make demo`` and development: DEBUG on, loopback only, a fixed development secret, e-mails printed
on the console (by the job worker) unless EMAIL_HOST names an SMTP server."""

import os

from .base import *  # noqa: F403

DEBUG = True
SECRET_KEY = SECRET_KEY or "dev-only-not-secret-geo-portal"  # noqa: F405
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
if not os.environ.get("EMAIL_HOST") and not os.environ.get("GEO_PORTAL_EMAIL_BACKEND"):
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Development keys for the household register's national IDs (synthetic data only; never used in production).
REGISTRY_ENCRYPTION_KEYS = REGISTRY_ENCRYPTION_KEYS or "1:ZGV2LW9ubHktcmVnaXN0cnktZW5jcnlwdGlvbi1rZXk="  # noqa: F405
REGISTRY_HASH_KEYS = REGISTRY_HASH_KEYS or "1:ZGV2LW9ubHktcmVnaXN0cnktbG9va3VwLWhhc2gtayE="  # noqa: F405
