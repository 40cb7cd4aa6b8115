"""The supervisor's review: submitted tasks waiting, conflicts waiting, a task on a map with its findings (filter
by kind, photos), accept or reject each finding (a conflict only with an explicit "apply anyway"), accept all that
are not in conflict, validate or send back, and reassign, split or release a task."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_POST

from geo_portal.census import review as census_review
from geo_portal.census import services
from geo_portal.census.models import Finding, Task
from geo_portal.census.office import selectors
from geo_portal.census.office.views.common import SUPERVISE, map_context, refused, staff_only
from geo_portal.census.services import CensusRefused

User = get_user_model()


def _back(task_id: int, request: HttpRequest, anchor: str = "") -> HttpResponse:
    kind = request.POST.get("kind", "")
    query = f"?kind={kind}" if kind in Finding.Kind.values else ""
    return redirect(reverse("census:task", args=[task_id]) + query + (f"#{anchor}" if anchor else ""))


@require_GET
@staff_only(SUPERVISE)
def submitted_list(request: HttpRequest) -> HttpResponse:
    return render(request, "census/office/tasks_submitted.html", {"tasks": selectors.submitted_tasks()})


@require_GET
@staff_only(SUPERVISE)
def conflict_list(request: HttpRequest) -> HttpResponse:
    return render(request, "census/office/conflicts.html", {"findings": selectors.conflicts_waiting()})


@require_GET
@staff_only(SUPERVISE)
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(
        Task.objects.select_related("campaign", "assignee", "last_assignee", "submitted_by", "validated_by", "split_from"),
        pk=pk,
    )
    kind = request.GET.get("kind", "")
    if kind not in Finding.Kind.values:
        kind = ""
    findings = list(selectors.task_findings(task, kind=kind))
    plates = selectors.plate_now([f.plate_id for f in findings if f.conflict and f.plate_id])
    for finding in findings:
        finding.plate_now = plates.get(finding.plate_id) if finding.conflict else None
    pending = [f for f in findings if f.review == Finding.Review.PENDING]
    return render(
        request,
        "census/office/task_review.html",
        {
            "task": task,
            "kind": kind,
            "kinds": selectors.task_kinds(task),
            "findings": findings,
            "pending": len(pending),
            "pending_clear": sum(not f.conflict for f in pending),
            "history": selectors.task_history(task),
            "surveyors": selectors.assignable_surveyors(task.campaign),
            "map_url": reverse("census:task-map", args=[pk]),
            **map_context(),
            "reviewable": task.state == Task.State.SUBMITTED,
        },
    )


@gzip_page
@require_GET
@staff_only(SUPERVISE)
def task_map(request: HttpRequest, pk: int) -> JsonResponse:
    task = get_object_or_404(Task, pk=pk)
    return JsonResponse(selectors.task_map(task), content_type="application/geo+json")


@require_POST
@staff_only(SUPERVISE)
def finding_accept(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_object_or_404(Finding, pk=pk)
    try:
        decided = census_review.finding_accept(
            finding_id=finding.pk,
            user=request.user,
            note=request.POST.get("note", "").strip(),
            over_conflict=request.POST.get("over_conflict") == "1",
        )
    except CensusRefused as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Finding accepted: %(outcome)s.") % {"outcome": decided.outcome})
    return _back(finding.task_id, request, f"finding-{finding.pk}")


@require_POST
@staff_only(SUPERVISE)
def finding_reject(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_object_or_404(Finding, pk=pk)
    try:
        census_review.finding_reject(finding_id=finding.pk, user=request.user, note=request.POST.get("note", ""))
    except CensusRefused as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Finding rejected."))
    return _back(finding.task_id, request, f"finding-{finding.pk}")


@require_POST
@staff_only(SUPERVISE)
def task_accept_all(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(Task, pk=pk)
    accepted, refusals = census_review.accept_all(task_id=task.pk, user=request.user)
    messages.success(request, _("%(n)d findings accepted.") % {"n": accepted})
    for message in refusals:
        messages.error(request, message)
    return _back(task.pk, request)


def _task_action(request: HttpRequest, pk: int, act, done: str, **extra: str) -> HttpResponse:
    task = get_object_or_404(Task, pk=pk)
    try:
        act(task)
    except CensusRefused as exc:
        refused(request, exc)
    else:
        messages.success(request, done % {"number": task.number, **extra})
    return _back(task.pk, request)


@require_POST
@staff_only(SUPERVISE)
def task_validate(request: HttpRequest, pk: int) -> HttpResponse:
    return _task_action(
        request, pk, lambda t: services.task_validate(task_id=t.pk, user=request.user), _("Task #%(number)s validated.")
    )


@require_POST
@staff_only(SUPERVISE)
def task_send_back(request: HttpRequest, pk: int) -> HttpResponse:
    comment = request.POST.get("comment", "")
    return _task_action(
        request,
        pk,
        lambda t: services.task_send_back(task_id=t.pk, user=request.user, comment=comment),
        _("Task #%(number)s sent back with your comments."),
    )


@require_POST
@staff_only(SUPERVISE)
def task_release(request: HttpRequest, pk: int) -> HttpResponse:
    note = request.POST.get("note", "").strip()
    return _task_action(
        request,
        pk,
        lambda t: services.task_release(task_id=t.pk, user=request.user, note=note),
        _("Task #%(number)s released; its findings so far are kept."),
    )


@require_POST
@staff_only(SUPERVISE)
def task_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(Task.objects.select_related("campaign"), pk=pk)
    chosen = request.POST.get("to", "")
    to = selectors.assignable_surveyors(task.campaign).filter(pk=int(chosen)).first() if chosen.isdigit() else None
    if to is None:
        messages.error(request, _("Choose a surveyor of this campaign to give the task to."))
        return _back(task.pk, request)
    return _task_action(
        request,
        pk,
        lambda t: services.task_reassign(task_id=t.pk, user=request.user, to=to),
        _("Task #%(number)s given to %(user)s."),
        user=to.get_username(),
    )


@require_POST
@staff_only(SUPERVISE)
def task_split(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(Task, pk=pk)
    parts = request.POST.get("parts", "")
    if not parts.isdigit():
        messages.error(request, _("Say into how many parts (a whole number)."))
        return _back(task.pk, request)
    try:
        children = services.task_split(task_id=task.pk, user=request.user, parts=int(parts))
    except CensusRefused as exc:
        refused(request, exc)
        return _back(task.pk, request)
    messages.success(
        request,
        _("Task #%(number)s split into %(tasks)s.")
        % {"number": task.number, "tasks": "、".join(f"#{c.number} {c.label}" for c in children)},
    )
    return redirect("census:campaign", pk=task.campaign_id)
