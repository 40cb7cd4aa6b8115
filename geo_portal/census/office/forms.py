"""Forms of the office's census pages: a new campaign (villages or an area drawn on the map), and one row per stop
of the paper key-in form. They check the input's shape; the census services decide what is allowed. Called by
the office views.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon, Polygon
from django.utils.translation import gettext_lazy as _

from geo_portal.areas.models import District, Village
from geo_portal.census.models import Campaign, Finding
from geo_portal.census.office.selectors import surveyors
from geo_portal.core.geo import WGS84_SRID, in_taiwan


class DateInput(forms.DateInput):
    input_type = "date"


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    district = forms.ModelChoiceField(label=_("District"), queryset=District.objects.order_by("code"), empty_label=None)
    villages = forms.ModelMultipleChoiceField(
        label=_("Villages"),
        queryset=Village.objects.order_by("district__code", "code"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose villages, or draw the area on the map instead."),
    )
    area = forms.CharField(
        label=_("Drawn area (GeoJSON polygon, WGS84)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Filled in when you draw a polygon on the map; a GeoJSON polygon can also be pasted here."),
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput)
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput)
    scope = forms.ChoiceField(
        label=_("Plates to check"), choices=Campaign.Scope.choices, initial=Campaign.Scope.ALL, widget=forms.RadioSelect
    )
    not_checked_since = forms.DateField(
        label=_("Not checked since"),
        required=False,
        widget=DateInput,
        help_text=_("Only for the scope “not checked since”."),
    )
    team = forms.ModelMultipleChoiceField(
        label=_("Team"),
        queryset=surveyors(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Without a team, every surveyor may claim the campaign's tasks."),
    )
    target_min_stops = forms.IntegerField(label=_("Smallest task (stops)"), min_value=1, max_value=500, initial=40)
    target_max_stops = forms.IntegerField(label=_("Largest task (stops)"), min_value=1, max_value=500, initial=80)
    fold_max_stops = forms.IntegerField(
        label=_("Fold lanes and alleys up to (stops)"), min_value=0, max_value=500, initial=12
    )
    max_tasks_per_surveyor = forms.IntegerField(label=_("Tasks a surveyor may hold"), min_value=1, max_value=20, initial=2)
    lock_hours = forms.IntegerField(label=_("A claim lasts (hours)"), min_value=1, max_value=336, initial=12)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Querysets are evaluated per form, so a surveyor added a minute ago is listed.
        self.fields["team"].queryset = surveyors()
        self.fields["team"].label_from_instance = lambda user: user.get_username()
        self.fields["villages"].label_from_instance = lambda village: village.name

    def clean_area(self) -> Polygon | MultiPolygon | None:
        text = self.cleaned_data["area"].strip()
        if not text:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            raise forms.ValidationError(_("This is not GeoJSON.")) from None
        if isinstance(data, dict) and data.get("type") == "Feature":
            data = data.get("geometry")
        if not isinstance(data, dict) or data.get("type") not in ("Polygon", "MultiPolygon"):
            raise forms.ValidationError(_("Draw a polygon (a GeoJSON Polygon or MultiPolygon)."))
        try:
            geom = GEOSGeometry(json.dumps(data), srid=WGS84_SRID)
        except (GEOSException, ValueError, TypeError):
            raise forms.ValidationError(_("The polygon could not be read.")) from None
        lon, lat = geom.centroid.coords
        if not in_taiwan(lon, lat):
            raise forms.ValidationError(_("The polygon is not in Taiwan (coordinates are longitude, latitude)."))
        return geom

    def clean(self) -> dict:
        data = super().clean()
        if data.get("villages") and data.get("area"):
            raise forms.ValidationError(_("Choose villages or draw an area, not both."))
        if not data.get("villages") and not data.get("area") and not self.errors:
            raise forms.ValidationError(_("Choose villages or draw an area."))
        return data


KEYIN_KINDS = [("", _("— not entered —")), *Finding.Kind.choices]


class KeyInRow(forms.Form):
    """One stop of a paper sheet: what was ticked, for which of its plates, and what was written."""

    uuid = forms.UUIDField(widget=forms.HiddenInput)
    versions = forms.CharField(widget=forms.HiddenInput)  # "plate:version,…" as shown when the form was made
    kind = forms.ChoiceField(label=_("Finding"), choices=KEYIN_KINDS, required=False)
    plate = forms.TypedChoiceField(label=_("Plate"), coerce=int, required=False)
    written_address = forms.CharField(
        label=_("Address as written on the plate"),
        max_length=160,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("address as written on the plate")}),
    )
    skip_reason = forms.CharField(
        label=_("Reason for skipping"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("reason for skipping")}),
    )
    note = forms.CharField(
        label=_("Note"), max_length=1000, required=False, widget=forms.TextInput(attrs={"placeholder": _("note")})
    )
    lat = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"placeholder": _("latitude"), "step": "any"}),
    )
    lon = forms.FloatField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"placeholder": _("longitude"), "step": "any"}),
    )

    def __init__(self, *args, plates: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plate"].choices = plates

    def plate_versions(self) -> dict[int, int]:
        out = {}
        for pair in self.cleaned_data.get("versions", "").split(","):
            plate, _sep, version = pair.partition(":")
            if plate.isdigit() and version.isdigit():
                out[int(plate)] = int(version)
        return out


class KeyInHead(forms.Form):
    observed_at = forms.DateTimeField(
        label=_("Walked on (date and time)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    submit_task = forms.BooleanField(label=_("Submit the task for validation when saved"), required=False)
