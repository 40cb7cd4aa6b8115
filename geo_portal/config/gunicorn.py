"""gunicorn settings for every server the project starts: docker-compose, the benchmarks, the browser tests.

Threaded workers with HTTP keep-alive. A map view asks for dozens of tiles; gunicorn's default sync workers
close the connection after every response (a new TCP connection per tile) and, exposed without a buffering
proxy as in docker-compose, let one slow client hold a whole worker. Command-line flags override these values.
Django is thread-safe; each thread keeps its own persistent database connections (``CONN_MAX_AGE``).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", str(max(2, os.cpu_count() or 1))))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = 5  # seconds an idle keep-alive connection stays open
timeout = 60  # whole-layer exports stream for a few seconds; anything much longer is stuck
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
