# Image for the docker-compose "web" service: Debian's GDAL/GEOS/PROJ for GeoDjango, Pango and a CJK font for
# WeasyPrint (census sheets), gunicorn, whitenoise.

# Front-end libraries pinned in package-lock.json (the map's vector-tile renderer), served as our own static files.
FROM node:20-bookworm-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.12-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends gdal-bin libgdal32 libgeos-c1v5 libproj25 gettext postgresql-client \
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY geo_portal ./geo_portal
COPY templates ./templates
COPY manage.py ./
COPY --from=assets /assets/node_modules ./node_modules
RUN pip install --no-cache-dir . \
 && DJANGO_SETTINGS_MODULE=geo_portal.config.settings.local python manage.py compilemessages -v0 \
 && DJANGO_SETTINGS_MODULE=geo_portal.config.settings.production DJANGO_ALLOWED_HOSTS=build \
    DJANGO_SECRET_KEY=build-time-only-collectstatic-needs-a-key-of-50-characters \
    python manage.py collectstatic --noinput -v0
RUN useradd --system --home /app geo && chown -R geo /app && mkdir -p /var/lib/geo_portal && chown geo /var/lib/geo_portal
USER geo
EXPOSE 8000
