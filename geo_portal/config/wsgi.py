"""WSGI entry point for gunicorn (docker-compose ``web``) and other WSGI servers."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo_portal.config.settings.production")
application = get_wsgi_application()

# Web processes defer jobs from requests: every app's task module is loaded here, as the process starts, rather than
# in the first request that defers a job (management commands load only the module they defer from; jobs.queue).
from procrastinate.contrib.django import app as _job_app  # noqa: E402 (after Django is set up)

_job_app.perform_import_paths()
