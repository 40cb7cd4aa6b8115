"""WSGI entry point for gunicorn (docker-compose ``web``) and other WSGI servers."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo_portal.config.settings.production")
application = get_wsgi_application()
