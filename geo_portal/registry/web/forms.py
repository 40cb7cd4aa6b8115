"""Forms of the registrars' pages. They check shapes only (dates, choices, lengths); the registry's services check
everything against the register and name the field of each problem."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from geo_portal.registry.models import AccessLog, EventDocument, Household, Relation, Sex

NON_HEAD = [(value, label) for value, label in Relation.choices if value != Relation.HEAD]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class PurposeForm(forms.Form):
    """Why personal data is read: chosen on every page that shows it, logged with every read."""

    purpose = forms.ChoiceField(label=_("Purpose of this read"), choices=[("", _("— choose —")), *AccessLog.Purpose.choices])
    note = forms.CharField(label=_("Case or reference number (optional)"), max_length=200, required=False)


class TranscriptForm(PurposeForm):
    annotations = forms.BooleanField(label=_("Print the annotations (記事)"), required=False)


class AuditFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DateInput(), required=False)
    end = forms.DateField(label=_("To (inclusive)"), widget=DateInput(), required=False)
    username = forms.CharField(label=_("Staff user name"), max_length=150, required=False)
    person = forms.IntegerField(label=_("Person id"), min_value=1, required=False)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("must not be before the start"))
        return data


class PersonReportForm(forms.Form):
    """A citizen asks who read their data: their national ID, and the purpose (their request, or an audit)."""

    national_id = forms.CharField(label=_("National ID of the person"), max_length=20)
    purpose = forms.ChoiceField(
        label=_("Purpose of this read"),
        choices=[(p.value, p.label) for p in (AccessLog.Purpose.CITIZEN, AccessLog.Purpose.AUDIT)],
    )
    note = forms.CharField(label=_("Case or reference number (optional)"), max_length=200, required=False)


class AddressSearchForm(forms.Form):
    q = forms.CharField(label=_("Address"), max_length=120)


class NameSearchForm(PurposeForm):
    name = forms.CharField(label=_("Name (or its beginning)"), max_length=40)


class NationalIdSearchForm(PurposeForm):
    national_id = forms.CharField(label=_("National ID"), max_length=20)


class EventDatesForm(forms.Form):
    effective_date = forms.DateField(label=_("Effective date"), widget=DateInput())
    declared_on = forms.DateField(label=_("Declared on"), widget=DateInput(), initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class NewPersonForm(forms.Form):
    # Blank first choices: a browser posts a select's first option, so an untouched spare person would otherwise
    # count as changed and be refused as incomplete.
    name = forms.CharField(label=_("Name"), max_length=40)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", _("— choose —")), *Sex.choices])
    birth_date = forms.DateField(label=_("Date of birth"), widget=DateInput())
    national_id = forms.CharField(label=_("National ID"), max_length=20)
    relation = forms.ChoiceField(label=_("Relation to the head"), choices=[("", _("— choose —")), *Relation.choices])


NewPersonFormSet = forms.formset_factory(NewPersonForm, extra=4, min_num=1, validate_min=True, max_num=12)


class MoveInForm(EventDatesForm):
    """Newcomers into a new household at the plate, or into an existing household (by its number)."""

    household_number = forms.CharField(
        label=_("Existing household number (leave empty for a new household)"), max_length=8, required=False
    )
    new_number = forms.CharField(label=_("New household number"), max_length=8, required=False)
    kind = forms.ChoiceField(label=_("Kind of the new household"), choices=Household.Kind.choices, required=False)


class BirthForm(EventDatesForm):
    name = forms.CharField(label=_("Name"), max_length=40)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    national_id = forms.CharField(label=_("National ID"), max_length=20)
    relation = forms.ChoiceField(label=_("Relation to the head"), choices=NON_HEAD)


class AddressChangeForm(EventDatesForm):
    household_number = forms.CharField(label=_("Household number"), max_length=8)


class DepartureForm(EventDatesForm):
    """A death (one member) or a move-out (one or more); when the head goes and others stay, the new head and every
    other staying member's relation to them."""

    def __init__(self, *args, members: list[tuple[int, str]], multiple: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.members = members
        choices = [(str(pk), name) for pk, name in members]
        if multiple:
            self.fields["leaving"] = forms.TypedMultipleChoiceField(
                label=_("Members moving out"), choices=choices, coerce=int, widget=forms.CheckboxSelectMultiple
            )
        else:
            self.fields["leaving"] = forms.TypedChoiceField(
                label=_("Member who died"), choices=choices, coerce=int, widget=forms.RadioSelect
            )
        self.fields["new_head"] = forms.TypedChoiceField(
            label=_("New head (only when the head leaves and others stay)"),
            choices=[("", _("— the head stays —")), *choices],
            coerce=int,
            required=False,
            empty_value=None,
        )
        for pk, name in members:
            self.fields[f"relation_{pk}"] = forms.ChoiceField(
                label=_("Relation of %(name)s to the new head") % {"name": name},
                choices=[("", "—"), *NON_HEAD],
                required=False,
            )

    def leaving_ids(self) -> list[int]:
        value = self.cleaned_data["leaving"]
        return list(value) if isinstance(value, list) else [value]

    def relations(self) -> list[tuple[int, str]]:
        """Relations given for members who stay and are not the new head."""
        gone = set(self.leaving_ids()) | {self.cleaned_data.get("new_head")}
        return [
            (pk, self.cleaned_data[f"relation_{pk}"])
            for pk, _name in self.members
            if pk not in gone and self.cleaned_data.get(f"relation_{pk}")
        ]


class DecisionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=EventDocument.Kind.choices)
    file = forms.FileField(label=_("Scanned file (PDF, JPEG, PNG or TIFF)"))


class _RelationsForm(EventDatesForm):
    """One relation field per member (``relation_<person id>``), labelled with the member's name."""

    relation_label = _("Relation of %(name)s")
    relation_choices: list = NON_HEAD
    relation_blank = "—"
    relation_required = False

    def __init__(self, *args, members: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.members = members
        for pk, name in members:
            self.fields[f"relation_{pk}"] = forms.ChoiceField(
                label=self.relation_label % {"name": name},
                choices=[("", self.relation_blank), *self.relation_choices],
                required=self.relation_required,
            )

    def given(self, skip: set[int] = frozenset()) -> list[tuple[int, str]]:
        return [
            (pk, self.cleaned_data[f"relation_{pk}"])
            for pk, _name in self.members
            if pk not in skip and self.cleaned_data.get(f"relation_{pk}")
        ]


class SplitForm(_RelationsForm):
    """分戶: the members who leave, each with their relation to the new household's head (one of them is 'head'),
    and the new household's number, kind and plate (this building's plates)."""

    relation_label = _("%(name)s in the new household")
    relation_choices = Relation.choices
    relation_blank = _("— stays —")

    def __init__(self, *args, plates: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_number"] = forms.CharField(label=_("New household number"), max_length=8)
        self.fields["kind"] = forms.ChoiceField(label=_("Kind of the new household"), choices=Household.Kind.choices)
        self.fields["plate"] = forms.TypedChoiceField(
            label=_("Door plate of the new household"), choices=[(str(pk), a) for pk, a in plates], coerce=int
        )


class MergeForm(_RelationsForm):
    """合戶: every member joins another household (by its number), each with a relation to its head."""

    relation_label = _("Relation of %(name)s to the head of the other household")
    relation_required = True

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into_number"] = forms.CharField(label=_("Number of the household to join"), max_length=8)
        self.order_fields(["effective_date", "declared_on", "into_number"])


class HeadChangeForm(_RelationsForm):
    """戶長變更: the new head among the members, and every other member's relation to them."""

    relation_label = _("Relation of %(name)s to the new head")

    def __init__(self, *args, head_id: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_head"] = forms.TypedChoiceField(
            label=_("New head"),
            choices=[("", _("— choose —")), *((str(pk), n) for pk, n in self.members if pk != head_id)],
            coerce=int,
        )
        self.order_fields(["effective_date", "declared_on", "new_head"])
