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
