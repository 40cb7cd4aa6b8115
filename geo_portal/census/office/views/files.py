"""Files for staff: a campaign's findings as CSV or GeoPackage, and a finding's photo (served by this view only,
never from a public media URL: supervisors and administrators see every photo, clerks those behind a proposal)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from geo_portal.census.models import Campaign, Finding
from geo_portal.census.office import selectors
from geo_portal.census.office.exports import findings_csv
from geo_portal.census.office.views.common import EDIT_PLATES, SUPERVISE, forbidden, staff_only
from geo_portal.reports.photo import CONTENT_TYPES

FILE_CHUNK_BYTES = 1 << 20
VIEW_FINDINGS = "census.view_finding"  # administrators, in the read-only admin


def _attachment(response: HttpResponse, name: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@staff_only(SUPERVISE)
def findings_csv_view(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    rows = selectors.findings_export_rows(campaign.pk)
    response = StreamingHttpResponse(findings_csv(rows), content_type="text/csv; charset=utf-8")
    return _attachment(response, f"census-{campaign.pk}-findings.csv")


def _file_chunks(tmp: tempfile.TemporaryDirectory, path: Path):
    with tmp, path.open("rb") as fh:
        while data := fh.read(FILE_CHUNK_BYTES):
            yield data


@require_GET
@staff_only(SUPERVISE)
def findings_gpkg_view(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    # Imported here, not at module level: pyarrow and pyogrio add ~150 MB to every process that loads the URL
    # configuration (each web worker, and every management command through Django's system checks).
    from geo_portal.census.office.gpkg import write_findings_gpkg

    tmp = tempfile.TemporaryDirectory(prefix="geo_portal_census_")
    path = Path(tmp.name) / "census_findings.gpkg"
    try:
        write_findings_gpkg(selectors.findings_export_rows(campaign.pk), path)
    except BaseException:
        tmp.cleanup()
        raise
    response = StreamingHttpResponse(_file_chunks(tmp, path), content_type="application/geopackage+sqlite3")
    return _attachment(response, f"census-{campaign.pk}-findings.gpkg")


@require_GET
@staff_only(SUPERVISE, VIEW_FINDINGS, EDIT_PLATES)
def finding_photo(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_object_or_404(Finding, pk=pk)
    sees_all = request.user.has_perm(SUPERVISE) or request.user.has_perm(VIEW_FINDINGS)
    if not sees_all and not selectors.proposal_with_photo(finding.pk):
        return forbidden(request, _("Clerks see the photos of findings behind a proposal only."))
    if not finding.photo:
        raise Http404(_("This finding has no photo."))
    extension = finding.photo.name.rsplit(".", 1)[-1].lower()
    try:
        handle = finding.photo.open("rb")
    except FileNotFoundError:
        raise Http404(_("The photo file is missing.")) from None
    response = FileResponse(handle, content_type=CONTENT_TYPES.get(extension, "application/octet-stream"))
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
