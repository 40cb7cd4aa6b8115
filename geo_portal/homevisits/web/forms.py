"""Forms of the home-visit pages: a request, a new day plan, requests to add to a plan, a cancellation."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from geo_portal.homevisits.models import VisitRequest
from geo_portal.offices.models import ServicePoint

WEEKDAYS = [
    (1, _("Monday")),
    (2, _("Tuesday")),
    (3, _("Wednesday")),
    (4, _("Thursday")),
    (5, _("Friday")),
    (6, _("Saturday")),
    (7, _("Sunday")),
]


class RequestForm(forms.Form):
    address = forms.CharField(
        label=_("Address (any written form)"), max_length=200, widget=forms.TextInput(attrs={"lang": "zh-Hant"})
    )
    unit = forms.CharField(label=_("Floor, room or bed"), max_length=60, required=False)
    national_id = forms.CharField(
        label=_("National ID (to take the person from the register)"),
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    name = forms.CharField(label=_("Name (when not in the register)"), max_length=60, required=False)
    purpose = forms.ChoiceField(label=_("What is to be done"), choices=VisitRequest.Purpose.choices)
    purpose_note = forms.CharField(label=_("Details"), max_length=200, required=False)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=VisitRequest.Urgency.choices, initial="routine")
    preferred_days = forms.TypedMultipleChoiceField(
        label=_("Preferred days (none: any day)"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    window_start = forms.TimeField(
        label=_("Not before (HH:MM)"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    window_end = forms.TimeField(
        label=_("Not after (HH:MM)"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    contact = forms.CharField(label=_("Contact"), max_length=100, required=False)
    notes = forms.CharField(label=_("Notes"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PlanForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    service_point = forms.ModelChoiceField(
        label=_("Starting from"),
        queryset=ServicePoint.objects.filter(active=True, location__isnull=False),
        required=False,
        empty_label=_("the office"),
    )
    visitor = forms.ChoiceField(label=_("Visiting clerk"))
    start_time = forms.TimeField(label=_("Leaves at"), initial="08:30", widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label=_("Back by"), initial="17:00", widget=forms.TimeInput(attrs={"type": "time"}))
    service_minutes = forms.IntegerField(label=_("Minutes per visit"), initial=20, min_value=1, max_value=240)
    speed_kmh = forms.FloatField(label=_("Assumed speed along straight lines (km/h)"), initial=20, min_value=1, max_value=80)
    requests = forms.TypedMultipleChoiceField(
        label=_("Requests"), coerce=int, widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, visitors=(), requests=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["visitor"].choices = [(u.pk, u.get_username()) for u in visitors]
        self.fields["requests"].choices = requests
        self.fields["day"].initial = timezone.localdate()


class AddForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    requests = forms.TypedMultipleChoiceField(
        label=_("Requests to add"), coerce=int, widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, requests=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["requests"].choices = requests


class CancelForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Why is the request cancelled?"), max_length=200)
