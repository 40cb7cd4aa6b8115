"""Staff pages of renumbering under ``/renumbering/``: the plans, drafting on a map or from a CSV, a plan's preview
(table, map, conflicts, counts) with its steps, the certificates and the resident letters.

Thin: read the form, call one service or selector, show the refusal field by field. Clerks (``accounts.edit_plates``)
draft, submit, apply; reviewers (``accounts.review_changes``) approve or reject; both read. Counts of households and
persons are all any of them sees of the register; registrars read persons on the registry's own (logged) pages.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.plates import PlateRefused, StalePlate
from geo_portal.areas.models import District, Village
from geo_portal.registry.access import READ as READ_PERSONS
from geo_portal.registry.access import Purpose
from geo_portal.registry.errors import RegistryRefused
from geo_portal.registry.web.common import access_for, registrar_only
from geo_portal.reissue.dates import parse_date
from geo_portal.reissue.views.common import forbidden, staff_only
from geo_portal.renumbering import printing, selectors, services
from geo_portal.renumbering.csv_plans import plan_draft_from_csv
from geo_portal.renumbering.households import CertificateRefused, plan_households
from geo_portal.renumbering.models import Plan
from geo_portal.renumbering.preview import plan_preview
from geo_portal.renumbering.services import APPROVE_PERM, DRAFT_PERM, PlanRefused

# Registrars read plans too: they issue the households' certificates at the counter.
READ = (DRAFT_PERM, APPROVE_PERM, READ_PERSONS)
FOR_STAFF = gettext_lazy(
    "This page is for the clerks who draft renumbering plans, the reviewers who approve them and the registrars."
)
RULE_KINDS = [k for k in Plan.Kind if k != Plan.Kind.CSV]
MAX_UPLOAD = 5 * 1024 * 1024


def _district() -> District | None:
    return District.objects.order_by("pk").first()


def _show(request: HttpRequest, exc: Exception) -> None:
    errors = getattr(exc, "errors", None)
    if isinstance(exc, RegistryRefused):
        errors = exc.as_dict()
    if isinstance(errors, dict):
        for field, reasons in errors.items():
            messages.error(request, _("%(field)s: %(reasons)s") % {"field": field, "reasons": "; ".join(reasons)})
    else:
        messages.error(request, str(exc))


@staff_only(*READ, message=FOR_STAFF)
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    return render(request, "renumbering/plans.html", {"plans": selectors.plans()[:200], "nav": "plans"})


def _date(request: HttpRequest, errors: list[str]):
    try:
        return parse_date(request.POST.get("effective_date", ""))
    except ValueError as exc:
        errors.append(_("effective_date: %(reason)s") % {"reason": exc})
        return None


@staff_only(*READ, message=FOR_STAFF)
def plan_new(request: HttpRequest) -> HttpResponse:
    district = _district()
    context = {
        "nav": "new",
        "kinds": [(k.value, k.label) for k in RULE_KINDS],
        "roads": selectors.roads_with_plates(district_id=district.pk) if district else [],
        "villages": Village.objects.filter(district=district).order_by("name") if district else [],
        "values": request.POST,
        "today": timezone.localdate().isoformat(),
    }
    if request.method != "POST":
        return render(request, "renumbering/plan_new.html", context)
    if not request.user.has_perm(DRAFT_PERM):
        return forbidden(request, _("Only clerks draft renumbering plans."))
    errors: list[str] = []
    effective = _date(request, errors)
    for error in errors:
        messages.error(request, error)
    if errors or district is None:
        return render(request, "renumbering/plan_new.html", context, status=400)
    try:
        if request.POST.get("source") == "csv":
            upload = request.FILES.get("file")
            if upload is None or upload.size > MAX_UPLOAD:
                raise PlanRefused({"file": [_("choose a CSV file of at most 5 MB")]})
            plan = plan_draft_from_csv(
                actor=request.user,
                district=district,
                title=request.POST.get("title", ""),
                effective_date=effective,
                data=upload.read(),
            )
        else:
            ids = [int(x) for x in request.POST.get("plate_ids", "").split(",") if x.strip().isdigit()]
            road = request.POST.get("road") or None
            plan = services.plan_draft_by_rule(
                actor=request.user,
                district=district,
                kind=request.POST.get("kind", ""),
                title=request.POST.get("title", ""),
                effective_date=effective,
                road_id=int(road) if road and road.isdigit() else None,
                plate_ids=ids or None,
                new_road_name=request.POST.get("new_road_name", ""),
                lane=request.POST.get("lane", ""),
                first_odd=request.POST.get("first_odd"),
                first_even=request.POST.get("first_even"),
                base=request.POST.get("base"),
                village_id=request.POST.get("village") or None,
                neighborhood=request.POST.get("neighborhood"),
            )
    except PlanRefused as exc:
        _show(request, exc)
        return render(request, "renumbering/plan_new.html", context, status=400)
    messages.success(request, _("Plan %(number)s drafted: check its preview.") % {"number": plan.number})
    return redirect("renumbering:plan", pk=plan.pk)


@staff_only(*READ, message=FOR_STAFF)
@require_GET
def road_plates(request: HttpRequest, road_id: int) -> JsonResponse:
    return JsonResponse(selectors.road_plates_geojson(road_id=road_id))


@staff_only(*READ, message=FOR_STAFF)
@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(Plan.objects.select_related("district", "created_by", "submitted_by", "approved_by"), pk=pk)
    preview = plan_preview(plan)
    user = request.user
    return render(
        request,
        "renumbering/plan_detail.html",
        {
            "plan": plan,
            "preview": preview,
            "steps": plan.transitions.select_related("actor"),
            "may_draft": user.has_perm(DRAFT_PERM),
            "may_approve": user.has_perm(APPROVE_PERM) and user.pk not in (plan.created_by_id, plan.submitted_by_id),
            "may_read_persons": user.has_perm(READ_PERSONS),
            "due": plan.effective_date <= timezone.localdate(),
            "map_url": reverse("renumbering:plan-map", args=[plan.pk]),
            "nav": "plans",
        },
    )


@staff_only(*READ, message=FOR_STAFF)
@require_GET
def plan_map(request: HttpRequest, pk: int) -> JsonResponse:
    """The plan's plates (old positions, or the corrected ones) with old and new address, as GeoJSON for its map."""
    plan = get_object_or_404(Plan, pk=pk)
    preview = plan_preview(plan)
    points = dict(DoorPlate.objects.filter(pk__in=[r.item.old_plate_id for r in preview.rows]).values_list("id", "geom"))
    features = []
    for row in preview.rows:
        point = (row.item.point or points[row.item.old_plate_id]).transform(4326, clone=True)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(point.x, 6), round(point.y, 6)]},
                "properties": {
                    "position": row.item.position,
                    "old": row.item.old_address,
                    "new": row.new_address,
                    "conflict": bool(row.conflicts),
                },
            }
        )
    return JsonResponse({"type": "FeatureCollection", "features": features})


ACTIONS = {
    "submit": services.plan_submit,
    "approve": services.plan_approve,
    "reject": services.plan_reject,
    "cancel": services.plan_cancel,
}
DONE = {
    "submit": gettext_lazy("Plan submitted for approval."),
    "approve": gettext_lazy("Plan approved."),
    "reject": gettext_lazy("Plan rejected."),
    "cancel": gettext_lazy("Plan cancelled."),
    "apply": gettext_lazy("Plan applied: the plates, the households and the public map now show the new addresses."),
}


@staff_only(*READ, message=FOR_STAFF)
@require_POST
def plan_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        messages.error(request, _("version: the form carried no version; reload the page"))
        return redirect("renumbering:plan", pk=pk)
    try:
        if action == "apply":
            services.plan_apply(plan_id=pk, version=version, actor=request.user)
        elif action in ACTIONS:
            kwargs = {"note": request.POST.get("note", "")}
            ACTIONS[action](plan_id=pk, version=version, actor=request.user, **kwargs)
        else:
            return HttpResponse(status=404)
    except (PlanRefused, PlateRefused, StalePlate, RegistryRefused) as exc:
        _show(request, exc)
        return redirect("renumbering:plan", pk=pk)
    messages.success(request, str(DONE[action]))
    return redirect("renumbering:plan", pk=pk)


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@staff_only(*READ, message=FOR_STAFF)
@require_GET
def certificates_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(Plan.objects.select_related("district"), pk=pk)
    item = request.GET.get("item", "")
    ids = {int(item)} if item.isdigit() else None
    return _pdf(printing.certificates_pdf(plan, item_ids=ids), f"{plan.number}-certificates.pdf")


@staff_only(*READ, message=FOR_STAFF)
@require_GET
def letters_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(Plan.objects.select_related("district"), pk=pk)
    return _pdf(printing.letters_pdf(plan, site_url=request.build_absolute_uri("/")), f"{plan.number}-letters.pdf")


@registrar_only
@require_POST
def household_certificates_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The certificate of one household the plan moved (its number posted, never in the URL), or of all of them;
    registrars only, each head read written to the register's access log."""
    plan = get_object_or_404(Plan.objects.select_related("district", "registration_event"), pk=pk)
    access = access_for(request, Purpose.CERTIFICATE)
    try:
        lines = plan_households(plan=plan, access=access, household_number=request.POST.get("household", ""))
    except (CertificateRefused, RegistryRefused) as exc:
        _show(request, exc)
        return redirect("renumbering:plan", pk=pk)
    return _pdf(printing.household_certificates_pdf(plan, lines), f"{plan.number}-households.pdf")
