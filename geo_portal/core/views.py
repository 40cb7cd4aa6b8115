"""``/healthz``: liveness for container health checks and a short operations report for monitoring.

200 when the database answers, whatever the other checks say (a stopped worker must not make the container
orchestrator restart the web process); 503 when it does not. The body is plain text: ``ok`` or ``degraded`` on
the first line, then one line per registered check (``core.health``): name, ``ok`` or ``FAILING``, a summary.
Counts only, nothing personal, in English. Never cached.
"""

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.cache import never_cache

from geo_portal.core.health import run_checks


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("down\ndatabase FAILING\n", status=503, content_type="text/plain; charset=utf-8")
    with translation.override("en"):  # for monitoring tools: one language, whatever the client asks
        outcomes = run_checks()
    status = "ok" if all(o.result.ok for o in outcomes) else "degraded"
    lines = [status, *(f"{o.name} {'ok' if o.result.ok else 'FAILING'}: {o.result.summary}" for o in outcomes)]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
