"""The batch geocoding page, for people who do not use the API docs: upload a CSV, watch its progress, download.

The page is a form and a script (``static/geo_portal/batch.js``) that talks to the batch job endpoints
(``views.GeocodeBatchJobCreateView`` and friends); without the script the form still posts to the job endpoint and
shows its JSON answer. Texts for the script come translated in a JSON block.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from geo_portal.addresses.search.batch import ADDRESS_COLUMN_GUESSES, RESULT_COLUMNS
from geo_portal.core.throttling import client_throttled


@require_GET
@client_throttled("pages")
def batch_page(request: HttpRequest) -> HttpResponse:
    texts = {
        "sending": _("Sending the file…"),
        "queued": _("Waiting for its turn…"),
        "running": _("Geocoding: {done} of about {total} rows"),
        "done": _("Done: {rows} rows. The result is ready to download until {expires}."),
        "failed": _("The batch failed: {error}"),
        "refused": _("The file was not accepted: {error}"),
        "network": _("The server could not be reached; the batch goes on, and this page will try again."),
        "lost": _("This batch is no longer available (its result expired or the link is wrong)."),
        "download": _("Download the result (CSV)"),
        "statuses": {
            "ok": _("found"),
            "partial": _("entrance found, unit unknown"),
            "approximate": _("approximate position"),
            "ambiguous": _("several plates"),
            "none": _("not found"),
            "error": _("row could not be read"),
            "stopped": _("stopped"),
        },
    }
    context = {
        "max_mb": settings.GEOCODE_BATCH_JOB_MAX_BYTES // (1024 * 1024),
        "keep_hours": settings.GEOCODE_BATCH_KEEP_HOURS,
        "guesses": ", ".join(ADDRESS_COLUMN_GUESSES),
        "result_columns": RESULT_COLUMNS,
        "config": {"texts": texts},
    }
    return render(request, "api/batch.html", context)
