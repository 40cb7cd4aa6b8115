"""The paper fallback: a task's A4 sheet (PDF) and the key-in form where the findings ticked on a sheet are
entered per stop afterwards, by the surveyor or by a supervisor on the surveyor's behalf.

Keyed-in findings go through ``sync.sync_findings`` with ``source=paper`` like the field app's: each row carries a
UUID made when the form was rendered, so sending the same form again stores nothing twice; the plate versions the
form was made with travel along, so a plate changed meanwhile makes a conflict, not a blind write.
"""

from __future__ import annotations

import logging
import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from geo_portal.census.models import Finding, Task
from geo_portal.census.office import sheets
from geo_portal.census.office.forms import KeyInHead, KeyInRow
from geo_portal.census.office.views.common import FIELDWORK, SUPERVISE, forbidden, refused, staff_only
from geo_portal.census.services import CensusRefused
from geo_portal.census.sync import NEEDS_POINT, WITHOUT_PLATE, sync_findings

logger = logging.getLogger(__name__)
NOT_YOURS = gettext_lazy("Only a supervisor or the surveyor who holds the task can work on its paper sheet.")


def _task(pk: int) -> Task:
    return get_object_or_404(Task.objects.select_related("campaign", "assignee", "last_assignee"), pk=pk)


@require_GET
@staff_only(SUPERVISE, FIELDWORK, message=NOT_YOURS)
def task_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(pk)
    if not sheets.may_work_on_paper(task, request.user):
        return forbidden(request, str(NOT_YOURS))
    # Imported here, not at module level: WeasyPrint (with its fonts and layout engine) is loaded only by the
    # processes that print, not by every web worker that loads the URL configuration.
    from geo_portal.census.office.printing import task_sheet_pdf

    pdf = task_sheet_pdf(
        task=task, stops=sheets.task_sheet(task), printed_at=timezone.now(), printed_by=request.user.get_username()
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="census-{task.campaign_id}-task-{task.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def _surveyor_for(task: Task, user):
    """Whose findings these are: the user when they hold (or held) the task, else the task's surveyor."""
    if user.pk in (task.assignee_id, task.last_assignee_id) and user.has_perm(FIELDWORK):
        return user
    return task.assignee or task.last_assignee


def _record(task: Task, stop: sheets.SheetStop, row: dict, observed_at: str, versions: dict[int, int]) -> dict:
    kind = row["kind"]
    record = {
        "uuid": str(row["uuid"]),
        "task": task.pk,
        "stop": stop.id,
        "kind": kind,
        "observed_at": observed_at,
        "written_address": row["written_address"],
        "skip_reason": row["skip_reason"],
        "note": row["note"],
        "has_photo": False,
    }
    if kind not in WITHOUT_PLATE:
        plate = row["plate"] or (stop.plates[0].id if stop.plates else None)
        record["plate"] = plate
        record["plate_version"] = versions.get(plate)
    if row["lon"] is not None and row["lat"] is not None:
        record["point"] = {"lon": row["lon"], "lat": row["lat"]}
    elif kind in NEEDS_POINT and kind != Finding.Kind.WRONG_POSITION:
        # A plate or building found on paper is placed at the stop it was noted at.
        record["point"] = {"lon": stop.lon, "lat": stop.lat}
    return record


@require_http_methods(["GET", "POST"])
@staff_only(SUPERVISE, FIELDWORK, message=NOT_YOURS)
def task_keyin(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(pk)
    if not sheets.may_work_on_paper(task, request.user):
        return forbidden(request, str(NOT_YOURS))
    surveyor = _surveyor_for(task, request.user)
    stops = sheets.task_sheet(task)
    data = request.POST if request.method == "POST" else None
    head = KeyInHead(data, initial={"observed_at": timezone.localtime().replace(second=0, microsecond=0)})
    rows = [
        KeyInRow(
            data,
            prefix=f"s{stop.id}",
            plates=[(p.id, p.address) for p in stop.plates],
            initial={
                "uuid": uuid.uuid4(),
                "versions": ",".join(f"{p.id}:{p.version}" for p in stop.plates),
                "plate": stop.plates[0].id if stop.plates else None,
            },
        )
        for stop in stops
    ]
    results: dict[int, dict] = {}
    own = surveyor is not None and surveyor.pk == request.user.pk
    if data is not None and surveyor is not None:
        valid = head.is_valid() & all([row.is_valid() for row in rows])
        if valid:
            observed = timezone.localtime(head.cleaned_data["observed_at"]).isoformat()
            chosen = [(stop, row) for stop, row in zip(stops, rows, strict=True) if row.cleaned_data["kind"]]
            records = [_record(task, stop, row.cleaned_data, observed, row.plate_versions()) for stop, row in chosen]
            submit = [task.pk] if own and head.cleaned_data["submit_task"] else []
            if not records and not submit:
                messages.error(request, _("Nothing was entered: choose a finding for at least one stop."))
            else:
                try:
                    result = sync_findings(
                        user=surveyor, device=None, records=records, submit=submit, source=Finding.Source.PAPER
                    )
                except CensusRefused as exc:
                    refused(request, exc)
                else:
                    if surveyor.pk != request.user.pk:
                        logger.info(
                            "census task %s: %d paper findings keyed in by %s for %s",
                            task.pk,
                            len(records),
                            request.user.get_username(),
                            surveyor.get_username(),
                        )
                    results = {stop.id: r.as_dict() for (stop, _row), r in zip(chosen, result.records, strict=True)}
                    summary = result.as_dict()
                    messages.success(
                        request,
                        _("%(stored)d findings saved, %(duplicates)d already there, %(errors)d refused.") % summary,
                    )
                    for outcome in result.submitted.values():
                        if outcome == "submitted":
                            messages.success(
                                request, _("Task #%(number)s was submitted for validation.") % {"number": task.number}
                            )
                        else:
                            messages.error(request, outcome)
                    if not summary["errors"]:
                        return redirect("census:task-keyin", pk=task.pk)
    return render(
        request,
        "census/office/keyin.html",
        {
            "task": task,
            "surveyor": surveyor,
            "own": own,
            "head": head,
            "rows": [
                {"stop": stop, "form": row, "result": results.get(stop.id)} for stop, row in zip(stops, rows, strict=True)
            ],
        },
        status=400 if data is not None and (head.errors or any(r.errors for r in rows)) else 200,
    )
