"""Campaign pages for supervisors: the list, a new campaign (villages or an area drawn on the map), the dashboard
(task map, per-village progress, findings by kind, conflicts, work per surveyor, devices, tasks), split, open and
close, device revocation, and the task map's GeoJSON."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from geo_portal.census.models import Campaign, FieldDevice, Task
from geo_portal.census.office import selectors
from geo_portal.census.office.forms import CampaignForm
from geo_portal.census.office.views.common import SUPERVISE, map_context, refused, staff_only
from geo_portal.census.services import CensusRefused, campaign_create, campaign_set_status, campaign_split
from geo_portal.census.sync import device_revoke

TASKS_PER_PAGE = 100
CONFLICTS_LISTED = 50  # the rest are on the conflicts page


@require_GET
@staff_only(SUPERVISE)
def campaign_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "census/office/campaign_list.html",
        {
            "campaigns": selectors.campaigns_overview(),
            "submitted": selectors.submitted_task_count(),
            "conflicts": selectors.conflicts_waiting_count(),
        },
    )


@require_http_methods(["GET", "POST"])
@staff_only(SUPERVISE)
def campaign_new(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = campaign_create(
                name=data["name"],
                district=data["district"],
                villages=list(data["villages"]) or None,
                area=data["area"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                scope=data["scope"],
                not_checked_since=data["not_checked_since"],
                team=list(data["team"]),
                target_min_stops=data["target_min_stops"],
                target_max_stops=data["target_max_stops"],
                fold_max_stops=data["fold_max_stops"],
                max_tasks_per_surveyor=data["max_tasks_per_surveyor"],
                lock_hours=data["lock_hours"],
                created_by=request.user,
            )
        except CensusRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Campaign %(name)s was created as a draft; split it into tasks next.") % {"name": campaign.name}
            )
            return redirect("census:campaign", pk=campaign.pk)
    return render(
        request,
        "census/office/campaign_form.html",
        {"form": form, **map_context()},
        status=400 if form.errors else 200,
    )


@require_GET
@staff_only(SUPERVISE)
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects.select_related("district", "created_by"), pk=pk)
    state = request.GET.get("state", "")
    if state not in Task.State.values:
        state = ""
    page = Paginator(selectors.campaign_task_list(pk, state=state), TASKS_PER_PAGE).get_page(request.GET.get("page"))
    overview = selectors.campaigns_overview().get(pk=pk)
    counts = [
        (value, label, getattr(overview, f"n_{value}")) for value, label in Task.State.choices if value != Task.State.SPLIT
    ]
    return render(
        request,
        "census/office/campaign_detail.html",
        {
            "campaign": campaign,
            "overview": overview,
            "state_counts": counts,
            "state": state,
            "page": page,
            "villages": selectors.village_progress(pk),
            "kinds": selectors.findings_by_kind(pk),
            "conflicts": selectors.conflicts_waiting(campaign_id=pk)[:CONFLICTS_LISTED],
            "conflict_count": selectors.conflicts_waiting(campaign_id=pk).count(),
            "work": selectors.surveyor_work(pk),
            "devices": selectors.campaign_devices(pk),
            "team": list(campaign.team.order_by("username").values_list("username", flat=True)),
            "geojson_url": reverse("census:campaign-tasks-geojson", args=[pk]),
            "task_url": reverse("census:task", args=[0]),
            **map_context(),
        },
    )


@gzip_page
@require_GET
@staff_only(SUPERVISE)
def campaign_tasks_geojson(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(Campaign, pk=pk)
    return HttpResponse(selectors.campaign_tasks_geojson(pk), content_type="application/geo+json")


@require_POST
@staff_only(SUPERVISE)
def campaign_split_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        summary = campaign_split(campaign_id=campaign.pk, actor=request.user)
    except CensusRefused as exc:
        refused(request, exc)
    else:
        messages.success(
            request,
            _("Split into %(tasks)d tasks: %(stops)d stops, %(plates)d plates, %(hints)d hints.")
            % {"tasks": summary.tasks, "stops": summary.stops, "plates": summary.plates, "hints": summary.hints},
        )
    return redirect("census:campaign", pk=pk)


@require_POST
@staff_only(SUPERVISE)
def campaign_status_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    status = request.POST.get("status", "")
    try:
        campaign = campaign_set_status(campaign_id=campaign.pk, status=status, actor=request.user)
    except CensusRefused as exc:
        refused(request, exc)
    else:
        messages.success(
            request,
            _("Campaign %(name)s is now %(status)s.") % {"name": campaign.name, "status": campaign.get_status_display()},
        )
    return redirect("census:campaign", pk=pk)


@require_POST
@staff_only(SUPERVISE)
def device_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    device = get_object_or_404(FieldDevice.objects.select_related("user"), pk=pk)
    try:
        device_revoke(device_id=device.pk, actor=request.user)
    except CensusRefused as exc:
        refused(request, exc)
    else:
        messages.success(
            request,
            _("The device of %(user)s was revoked: its next sync is refused and it wipes its tasks.")
            % {"user": device.user.get_username()},
        )
    campaign = request.POST.get("campaign", "")
    if campaign.isdigit() and Campaign.objects.filter(pk=int(campaign)).exists():
        return redirect(reverse("census:campaign", args=[int(campaign)]) + "#devices")
    return redirect("census:campaigns")
