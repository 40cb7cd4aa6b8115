"""Settings for the platform as ``make demo`` serves it: the deployed server (gunicorn with the project's config,
static files by whitenoise, DEBUG off) on loopback, with the development secrets of ``local`` (synthetic data only).
``local`` (DEBUG on, ``runserver``) stays for development.

Static files are served by whitenoise straight from the apps' and vendor folders (its finders mode), so a demo
starts without a ``collectstatic`` run (hashing and compressing ~1,500 files takes minutes on 2 cores);
production (docker-compose) collects them with hashed names and pre-compressed copies.
"""

from .local import *  # noqa: F403

DEBUG = False
WHITENOISE_USE_FINDERS = True
