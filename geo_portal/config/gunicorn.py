"""gunicorn settings for every server the project starts: docker-compose, the benchmarks, the browser tests.

Threaded workers with HTTP keep-alive. A map view asks for dozens of tiles; gunicorn's default sync workers
close the connection after every response (a new TCP connection per tile) and, exposed without a buffering
proxy as in docker-compose, let one slow client hold a whole worker. Command-line flags override these values.
Django is thread-safe; each thread keeps its own persistent database connections (``CONN_MAX_AGE``).

One worker process per core the server may run on (``sched_getaffinity``: a container's or ``taskset``'s share, not
the host's count): Python runs one thread at a time per process, so more processes than cores only multiply memory
and the per-process caches (geocode answers, tiles, the gazetteer) that each would have to fill on its own. The
threads are for the waits (the database, slow clients). Measured with the load test on one core (bench.load):
geocoding 326/s with two workers, 586/s with one.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", str(len(os.sched_getaffinity(0)))))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = 5  # seconds an idle keep-alive connection stays open
timeout = 60  # whole-layer exports stream for a few seconds; anything much longer is stuck
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
