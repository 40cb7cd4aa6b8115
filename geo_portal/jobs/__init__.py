"""The job queue's own app: procrastinate set-up, the error log, retries, deferral by name, the staff summary.

Jobs run in procrastinate's PostgreSQL queue (no Redis, no Celery) by a separate worker process
(``manage.py procrastinate worker``). Tasks live in the ``tasks.py`` of the app that owns the work; this app only
holds what every task shares. It imports no other project app, so any app (and the staff pages) may import it.
"""
