"""Citizen-report admin for staff: the reported point on a Leaflet map, the photo through the staff-only view, what
the photo's kept GPS says, status, duplicates and a staff note. What the citizen sent is read-only; reports are only
created by citizens. Status and duplicates change through ``services`` (``report_set_status``,
``report_mark_duplicate``). The door-plate admin lists a plate's reports through ``register_plate_panel``.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.gis.geos import Point
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from geo_portal.addresses.admin import PlatePanel, register_plate_panel
from geo_portal.core.geo import WGS84_SRID
from geo_portal.reports.models import CitizenReport, PersonalDataPurge, PersonalDataRead
from geo_portal.reports.personal_data import fields_shown, log_read
from geo_portal.reports.photo import photo_gps
from geo_portal.reports.selectors import reports_of_plate
from geo_portal.reports.services import (
    DuplicateRefused,
    check_duplicate,
    delete_reports,
    report_mark_duplicate,
    report_set_status,
)


class CitizenReportForm(forms.ModelForm):
    """Status, the report it repeats and the staff note; a duplicate must name the report it repeats."""

    class Meta:
        model = CitizenReport
        fields = ["status", "duplicate_of", "staff_note"]

    def clean(self) -> dict:
        cleaned = super().clean()
        original, status = cleaned.get("duplicate_of"), cleaned.get("status")
        if original is not None:
            cleaned["status"] = CitizenReport.Status.DUPLICATE  # naming the report it repeats makes it a duplicate
            try:
                cleaned["duplicate_of"] = check_duplicate(report=self.instance, original=original)
            except DuplicateRefused as exc:
                self.add_error("duplicate_of", str(exc))
        elif status == CitizenReport.Status.DUPLICATE:
            self.add_error("duplicate_of", gettext("Choose the report this one repeats."))
        return cleaned


@admin.register(CitizenReport)
class CitizenReportAdmin(LeafletGeoAdmin):
    form = CitizenReportForm
    list_display = ["reference", "kind", "status", "plate_address", "created_at", "has_photo", "duplicate_link"]
    list_filter = ["kind", "status", "created_at"]
    list_select_related = ["plate", "duplicate_of"]
    search_fields = ["reference", "plate__address"]
    search_help_text = _("Reference number (R-20261127-7K3Q9) or part of the plate's address")
    date_hierarchy = "created_at"
    autocomplete_fields = ["duplicate_of"]
    actions = ["mark_duplicates_of_oldest"]
    modifiable = False  # the map shows where the citizen pointed; staff do not move it

    class Media:
        # The door-plate admin's accessibility fixes: the type-ahead list named by its label, map links underlined.
        js = ["addresses/admin/a11y.js"]
        css = {"all": ["addresses/admin/a11y.css"]}

    readonly_fields = [
        "reference",
        "kind",
        "plate_link",
        "description",
        "photo_link",
        "photo_location",
        "contact",
        "duplicates_list",
        "public_status_link",
        "created_at",
        "updated_at",
        "client_hash",
    ]
    fieldsets = [
        (None, {"fields": ["reference", "kind", "status", "duplicate_of", "duplicates_list", "staff_note"]}),
        (
            _("Report"),
            {"fields": ["plate_link", "location", "description", "photo_link", "photo_location", "contact"]},
        ),
        (_("Provenance"), {"fields": ["public_status_link", "created_at", "updated_at", "client_hash"]}),
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "location" in form.base_fields:
            form.base_fields["location"].disabled = True  # a posted value is ignored; the stored point stays
        return form

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # reports come from citizens through services.create_report (reference, photo cleaning)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        """The report's page shows its contact and the photo's kept position: each showing is logged."""
        response = super().change_view(request, object_id, form_url, extra_context)
        report = self.get_object(request, object_id) if request.method == "GET" else None
        if report is not None and response.status_code == 200:
            log_read(user=request.user, report=report, fields=fields_shown(report), path=request.path)
        return response

    def save_model(self, request: HttpRequest, obj: CitizenReport, form, change: bool) -> None:
        """Status and duplicates through the services; the staff note as it is."""
        actor = request.user.get_username()
        if "duplicate_of" in form.changed_data and obj.duplicate_of_id is not None:
            report_mark_duplicate(report_id=obj.pk, original_id=obj.duplicate_of_id, actor=actor)
        elif {"status", "duplicate_of"} & set(form.changed_data):
            report_set_status(report_id=obj.pk, status=obj.status, actor=actor)
        if "staff_note" in form.changed_data:
            CitizenReport.objects.filter(pk=obj.pk).update(staff_note=obj.staff_note, updated_at=timezone.now())

    def delete_model(self, request: HttpRequest, obj: CitizenReport) -> None:
        delete_reports([obj])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CitizenReport]) -> None:
        delete_reports(queryset)

    @admin.action(description=_("Mark as duplicates of the oldest report selected"))
    def mark_duplicates_of_oldest(self, request: HttpRequest, queryset: QuerySet[CitizenReport]) -> None:
        reports = list(queryset.order_by("created_at", "id"))
        if len(reports) < 2:
            self.message_user(request, gettext("Select the report and its duplicates (two or more)."), messages.WARNING)
            return
        original, actor = reports[0], request.user.get_username()
        try:
            for report in reports[1:]:
                report_mark_duplicate(report_id=report.pk, original_id=original.pk, actor=actor)
        except DuplicateRefused as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(
            request,
            gettext("%(count)d reports marked as duplicates of %(reference)s.")
            % {"count": len(reports) - 1, "reference": original.reference},
        )

    @admin.display(description=_("door plate"), ordering="plate__address")
    def plate_address(self, obj: CitizenReport) -> str:
        return obj.plate.address if obj.plate else "—"

    @admin.display(description=_("door plate"))
    def plate_link(self, obj: CitizenReport) -> str:
        if obj.plate is None:
            return "—"
        url = reverse("admin:addresses_doorplate_change", args=[obj.plate_id])
        return format_html('<a href="{}">{}</a>', url, obj.plate.address)

    @admin.display(description=_("duplicate of"), ordering="duplicate_of__reference")
    def duplicate_link(self, obj: CitizenReport) -> str:
        if obj.duplicate_of is None:
            return "—"
        url = reverse("admin:reports_citizenreport_change", args=[obj.duplicate_of_id])
        return format_html('<a href="{}">{}</a>', url, obj.duplicate_of.reference)

    @admin.display(description=_("reports repeating this one"))
    def duplicates_list(self, obj: CitizenReport) -> str:
        rows = obj.duplicates.order_by("created_at", "id").values_list("pk", "reference") if obj.pk else []
        if not rows:
            return "—"
        links = ((reverse("admin:reports_citizenreport_change", args=[pk]), ref) for pk, ref in rows)
        return format_html_join(", ", '<a href="{}">{}</a>', links)

    @admin.display(description=_("public status page"))
    def public_status_link(self, obj: CitizenReport) -> str:
        url = reverse("reports:status", args=[obj.reference])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)

    @admin.display(description=_("photo"), boolean=True)
    def has_photo(self, obj: CitizenReport) -> bool:
        return bool(obj.photo)

    @admin.display(description=_("photo"))
    def photo_link(self, obj: CitizenReport) -> str:
        if not obj.photo:
            return "—"
        url = reverse("reports:photo", args=[obj.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, _("Open the photo"))

    @admin.display(description=_("where the photo was taken"))
    def photo_location(self, obj: CitizenReport) -> str:
        """The GPS position in the photo's EXIF, which is kept only when the reporter asked for it: where the
        camera was, not where the problem is; with its distance from the point the report names."""
        if not obj.photo:
            return gettext("no photo")
        if not obj.photo_keeps_location:
            return gettext("not known: the photo's GPS position was removed (the reporter did not ask to keep it)")
        try:
            with obj.photo.open("rb") as handle:
                position = photo_gps(handle)
        except FileNotFoundError:
            return gettext("the photo file is missing")
        if position is None:
            return gettext("not known: the reporter asked to keep it, but the photo carries no GPS position")
        lat, lon = position
        camera = Point(lon, lat, srid=WGS84_SRID).transform(obj.location.srid, clone=True)
        return format_html(
            "{} <small>({})</small>",
            f"{lat:.6f}, {lon:.6f}",
            gettext("the camera's GPS position kept in the photo at the reporter's request; %(distance)d m from the"
                    " reported point") % {"distance": round(camera.distance(obj.location))},
        )  # fmt: skip


def _plate_reports(plate_id: int) -> str:
    rows = reports_of_plate(plate_id=plate_id)
    if not rows:
        return gettext("No citizen report names this door plate.")
    return format_html(
        '<table class="plate-reports"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>'
        "<tbody>{}</tbody></table>",
        gettext("reference number"),
        gettext("kind of problem"),
        gettext("status"),
        gettext("created at"),
        format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    reverse("admin:reports_citizenreport_change", args=[r.id]),
                    r.reference,
                    r.kind_label,
                    r.status_label,
                    timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M"),
                )
                for r in rows
            ),
        ),
    )


# The door-plate admin page lists the plate's reports (to staff who may view reports).
register_plate_panel(PlatePanel(title=_("Citizen reports"), permission="reports.view_citizenreport", render=_plate_reports))


@admin.register(PersonalDataRead)
class PersonalDataReadAdmin(admin.ModelAdmin):
    """The log of staff reads of reports' personal data: read-only, for whoever may view it (administrators)."""

    list_display = ("at", "user", "reference", "fields", "path")
    list_filter = ("at",)
    search_fields = ("reference", "user__username")
    list_select_related = ("user",)
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PersonalDataPurge)
class PersonalDataPurgeAdmin(admin.ModelAdmin):
    list_display = ("at", "cutoff", "contacts", "photos")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
