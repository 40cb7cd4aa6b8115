"""The staff pages of home visits: the request list and entry, a request's page (cancel, open the registration
draft), day plans (new, the round on a map with its sheet, add requests), devices, and the supervisors'
statistics. Thin: each view checks its form, calls one service or selector and renders. Personal data is read
through the logging selectors; nothing here is public."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from geo_portal.homevisits import planning, selectors, services, stats
from geo_portal.homevisits.cases import case_open
from geo_portal.homevisits.errors import HomeVisitRefused
from geo_portal.homevisits.models import VisitDevice, VisitRequest
from geo_portal.homevisits.permissions import may_handle, may_open_cases
from geo_portal.homevisits.sync import device_revoke
from geo_portal.homevisits.web.common import access_for, handlers_only, show_refusal, statistics_only
from geo_portal.homevisits.web.forms import AddForm, CancelForm, PlanForm, RequestForm


@handlers_only
def home(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in VisitRequest.Status.values:
        status = ""
    rows = selectors.request_rows(access=access_for(request), status=status)
    return render(
        request,
        "homevisits/home.html",
        {"rows": rows, "status": status, "statuses": VisitRequest.Status.choices, "plans": selectors.plans_list(limit=10)},
    )


@handlers_only
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = services.request_create(actor=request.user, access=access_for(request), **data)
        except HomeVisitRefused as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("Request #%(id)s entered.") % {"id": made.pk})
            return redirect("homevisits:request", made.pk)
    return render(request, "homevisits/request_form.html", {"form": form})


@handlers_only
@require_http_methods(["GET", "POST"])
def request_page(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("action") == "case":
            try:
                case_open(result_id=int(request.POST.get("result", "0") or 0), actor=request.user)
                messages.success(request, _("The registration draft is open for review."))
            except HomeVisitRefused as exc:
                show_refusal(request, exc)
            return redirect("homevisits:request", pk)
        form = CancelForm(request.POST)
        if form.is_valid():
            try:
                planning.request_cancel(actor=request.user, request_id=pk, **form.cleaned_data)
                messages.success(request, _("The request is cancelled."))
            except HomeVisitRefused as exc:
                show_refusal(request, exc)
        else:
            messages.error(request, _("reason: say why the request is cancelled"))
        return redirect("homevisits:request", pk)
    row = selectors.request_detail(access=access_for(request), request_id=pk)
    if row is None:
        raise Http404
    cancel = CancelForm(initial={"version": row.request.version})
    return render(
        request,
        "homevisits/request_detail.html",
        {"row": row, "cancel": cancel, "may_open_cases": may_open_cases(request.user)},
    )


def _visitors():
    users = get_user_model().objects.filter(is_active=True).order_by("username")
    return [u for u in users if may_handle(u)]


def _choices(requests: list[VisitRequest]) -> list[tuple[int, str]]:
    return [
        (r.pk, f"#{r.pk} {r.name} · {r.plate.address} {r.unit} · {r.get_urgency_display()}".replace("  ", " "))
        for r in requests
    ]


@handlers_only
@require_http_methods(["GET", "POST"])
def plans(request: HttpRequest) -> HttpResponse:
    waiting = selectors.open_requests(access=access_for(request))
    form = PlanForm(request.POST or None, visitors=_visitors(), requests=_choices(waiting))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        point = data.pop("service_point")
        visitor = get_user_model().objects.get(pk=data.pop("visitor"))
        try:
            plan = planning.plan_create(
                actor=request.user,
                visitor=visitor,
                service_point_id=point.pk if point else None,
                request_ids=data.pop("requests"),
                **data,
            )
        except HomeVisitRefused as exc:
            show_refusal(request, exc)
        else:
            return redirect("homevisits:plan", plan.pk)
    return render(request, "homevisits/plans.html", {"form": form, "plans": selectors.plans_list()})


@handlers_only
@require_http_methods(["GET", "POST"])
def plan_page(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "POST":
        form = AddForm(request.POST, requests=_choices(selectors.open_requests(access=access_for(request))))
        if form.is_valid():
            try:
                planning.plan_add_requests(
                    actor=request.user,
                    plan_id=pk,
                    version=form.cleaned_data["version"],
                    request_ids=form.cleaned_data["requests"],
                )
                messages.success(request, _("The round is planned again; the visits made keep their places."))
            except HomeVisitRefused as exc:
                show_refusal(request, exc)
        return redirect("homevisits:plan", pk)
    view = selectors.plan_view(access=access_for(request), plan_id=pk)
    if view is None:
        raise Http404
    add = AddForm(
        initial={"version": view.plan.version}, requests=_choices(selectors.open_requests(access=access_for(request)))
    )
    geo = {
        "office": selectors.lonlat(view.plan.service_point.location),
        "stops": [[s.position, *selectors.lonlat(s.request.plate.geom)] for s in view.stops],
    }
    devices = VisitDevice.objects.filter(user=view.plan.visitor).order_by("-last_seen")
    return render(
        request,
        "homevisits/plan_detail.html",
        {"view": view, "add": add, "geo": geo, "devices": devices, "km": view.plan.total_m / 1000},
    )


@handlers_only
def plan_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    from geo_portal.homevisits.printing import round_sheet_pdf

    view = selectors.plan_view(access=access_for(request), plan_id=pk)
    if view is None:
        raise Http404
    response = HttpResponse(round_sheet_pdf(view), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="home-visits-{view.plan.day}-{view.plan.pk}.pdf"'
    return response


@handlers_only
@require_POST
def device_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        device_revoke(device_id=pk, actor=request.user)
        messages.success(request, _("The device is revoked: it gets nothing more and wipes what it holds."))
    except HomeVisitRefused as exc:
        show_refusal(request, exc)
    plan = request.POST.get("plan", "")
    return redirect(reverse("homevisits:plan", args=[int(plan)]) if plan.isdigit() else reverse("homevisits:plans"))


@statistics_only
def statistics(request: HttpRequest) -> HttpResponse:
    cells, totals = stats.village_months()
    return render(
        request,
        "homevisits/statistics.html",
        {"cells": cells, "totals": totals, "min_count": stats.MIN_COUNT, "targets": stats.TARGET_DAYS.items()},
    )
