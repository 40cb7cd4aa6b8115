# Image for the docker-compose "web" service: Debian's GDAL/GEOS/PROJ for GeoDjango, gunicorn, whitenoise.
FROM python:3.12-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends gdal-bin libgdal32 libgeos-c1v5 libproj25 gettext \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY geo_portal ./geo_portal
COPY templates ./templates
COPY manage.py ./
RUN pip install --no-cache-dir . \
 && DJANGO_SETTINGS_MODULE=geo_portal.config.settings.local python manage.py compilemessages -v0 \
 && DJANGO_SETTINGS_MODULE=geo_portal.config.settings.production DJANGO_ALLOWED_HOSTS=build \
    DJANGO_SECRET_KEY=build-time-only-collectstatic-needs-a-key-of-50-characters \
    python manage.py collectstatic --noinput -v0
RUN useradd --system --home /app geo && chown -R geo /app
USER geo
EXPOSE 8000
