"""Registrar pages that enter registration events: a move-in at a plate (a new household there, or into an existing
one), a birth into a household, a household's address change to a plate, a death or a move-out in a household, a
household split (分戶: members leave to form a new household in the same building), a merge (合戶: every member
joins another household) and a change of head (戶長變更).

Each page only shapes the input into the event's details and calls ``event_create``; the service checks it
against the register and names the field of every problem, shown as messages above the form (nothing is saved
then). Pages that show a household's members read them through the registry selector with the purpose
"registration case", which logs the read.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from geo_portal.addresses.models import DoorPlate
from geo_portal.registry import selectors
from geo_portal.registry.access import Purpose
from geo_portal.registry.details import (
    AddressChange,
    Birth,
    Death,
    HeadChange,
    Member,
    Merge,
    MoveIn,
    MoveOut,
    NewHousehold,
    NewPerson,
    Split,
)
from geo_portal.registry.errors import RegistryRefused
from geo_portal.registry.models import Household, RegistrationEvent
from geo_portal.registry.services.events import event_create
from geo_portal.registry.web.common import access_for, registrar_only, show_refusal
from geo_portal.registry.web.forms import (
    AddressChangeForm,
    BirthForm,
    DepartureForm,
    HeadChangeForm,
    MergeForm,
    MoveInForm,
    NewPersonFormSet,
    SplitForm,
)

K = RegistrationEvent.Kind


def _plate(pk: int) -> DoorPlate:
    plate = DoorPlate.objects.filter(pk=pk).only("pk", "address", "status").first()
    if plate is None:
        raise Http404(_("There is no such door plate."))
    return plate


def _household_id(number: str) -> int | None:
    return Household.objects.filter(number=number.strip().upper()).values_list("pk", flat=True).first()


def _create(request: HttpRequest, kind: str, form, details) -> HttpResponse | None:
    """Enter the event; its page on success, None (messages shown) when the service refuses it."""
    data = form.cleaned_data
    try:
        event = event_create(
            actor=request.user,
            kind=kind,
            effective_date=data["effective_date"],
            declared_on=data["declared_on"],
            details=details,
            note=data.get("note", ""),
        )
    except RegistryRefused as exc:
        show_refusal(request, exc)
        return None
    messages.success(request, _("Event #%(id)s entered as a draft; submit it for review.") % {"id": event.pk})
    return redirect("registry:event", pk=event.pk)


def _page(request: HttpRequest, kind: str, context: dict) -> HttpResponse:
    return render(request, "registry/event_form.html", {"kind": kind, "kind_label": K(kind).label, **context})


@require_http_methods(["GET", "POST"])
@registrar_only
def new_move_in(request: HttpRequest, plate_pk: int) -> HttpResponse:
    plate = _plate(plate_pk)
    form = MoveInForm(request.POST or None)
    people = NewPersonFormSet(request.POST or None, prefix="person")
    if request.method == "POST" and form.is_valid() and people.is_valid():
        data = form.cleaned_data
        newcomers = tuple(
            NewPerson(**{k: row[k] for k in ("name", "sex", "birth_date", "national_id", "relation")})
            for row in people.cleaned_data
            if row
        )
        household_id = new_household = None
        if data["household_number"]:
            household_id = _household_id(data["household_number"])
            if household_id is None:
                form.add_error("household_number", _("There is no household with this number."))
        else:
            new_household = NewHousehold(number=data["new_number"].strip().upper(), kind=data["kind"], plate_id=plate.pk)
        if not form.errors:
            details = MoveIn(newcomers=newcomers, household_id=household_id, new_household=new_household)
            if (response := _create(request, K.MOVE_IN, form, details)) is not None:
                return response
    return _page(request, K.MOVE_IN, {"form": form, "people": people, "plate": plate})


@require_http_methods(["GET", "POST"])
@registrar_only
def new_birth(request: HttpRequest, household_pk: int) -> HttpResponse:
    household = Household.objects.filter(pk=household_pk).select_related("plate").first()
    if household is None:
        raise Http404(_("There is no such household."))
    form = BirthForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        child = NewPerson(
            name=data["name"],
            sex=data["sex"],
            birth_date=data["effective_date"],
            national_id=data["national_id"],
            relation=data["relation"],
        )
        if (response := _create(request, K.BIRTH, form, Birth(household_id=household.pk, child=child))) is not None:
            return response
    return _page(request, K.BIRTH, {"form": form, "household": household, "plate": household.plate})


@require_http_methods(["GET", "POST"])
@registrar_only
def new_address_change(request: HttpRequest, plate_pk: int) -> HttpResponse:
    plate = _plate(plate_pk)
    form = AddressChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        household_id = _household_id(form.cleaned_data["household_number"])
        if household_id is None:
            form.add_error("household_number", _("There is no household with this number."))
        elif (response := _create(request, K.ADDRESS_CHANGE, form, AddressChange(household_id, plate.pk))) is not None:
            return response
    return _page(request, K.ADDRESS_CHANGE, {"form": form, "plate": plate})


@require_http_methods(["GET", "POST"])
@registrar_only
def new_departure(request: HttpRequest, household_pk: int, kind: str) -> HttpResponse:
    """A death (one member) or a move-out (one or more members) of a household."""
    if kind not in (K.DEATH, K.MOVE_OUT):
        raise Http404(_("Unknown kind of event."))
    try:
        household = selectors.household_members(
            household_id=household_pk, access=access_for(request, Purpose.REGISTRATION, _("entering a registration"))
        )
    except RegistryRefused:
        raise Http404(_("There is no such household.")) from None
    members = [(m.person.id, m.person.name) for m in household.members]
    form = DepartureForm(request.POST or None, members=members, multiple=kind == K.MOVE_OUT)
    if request.method == "POST" and form.is_valid():
        relations = tuple(Member(pk, relation) for pk, relation in form.relations())
        new_head = form.cleaned_data.get("new_head")
        if kind == K.DEATH:
            details = Death(person_id=form.leaving_ids()[0], new_head_id=new_head, relations=relations)
        else:
            details = MoveOut(
                household_id=household.id, person_ids=tuple(form.leaving_ids()), new_head_id=new_head, relations=relations
            )
        if (response := _create(request, kind, form, details)) is not None:
            return response
    return _page(request, kind, {"form": form, "household": household})


def _members(request: HttpRequest, household_pk: int):
    """The household and its members today, read through the logging selector (purpose: a registration case)."""
    try:
        return selectors.household_members(
            household_id=household_pk, access=access_for(request, Purpose.REGISTRATION, _("entering a registration"))
        )
    except RegistryRefused:
        raise Http404(_("There is no such household.")) from None


@require_http_methods(["GET", "POST"])
@registrar_only
def new_split(request: HttpRequest, household_pk: int) -> HttpResponse:
    """分戶: members (never the head) leave to form a new household in the same building."""
    household = _members(request, household_pk)
    members = [(m.person.id, m.person.name) for m in household.members if m.person.id != household.head_id]
    plate_id = Household.objects.filter(pk=household.id).values_list("plate_id", flat=True).get()
    plates = [(p.id, p.address) for p in selectors.entrance_plates(plate_id)]
    plates.sort(key=lambda p: p[0] != plate_id)  # the household's own plate first (the usual split)
    form = SplitForm(request.POST or None, members=members, plates=plates)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        details = Split(
            household_id=household.id,
            members=tuple(Member(pk, relation) for pk, relation in form.given()),
            new_household=NewHousehold(number=data["new_number"].strip().upper(), kind=data["kind"], plate_id=data["plate"]),
        )
        if (response := _create(request, K.SPLIT, form, details)) is not None:
            return response
    return _page(request, K.SPLIT, {"form": form, "household": household})


@require_http_methods(["GET", "POST"])
@registrar_only
def new_merge(request: HttpRequest, household_pk: int) -> HttpResponse:
    """合戶: every member joins another household; this one is dissolved."""
    household = _members(request, household_pk)
    form = MergeForm(request.POST or None, members=[(m.person.id, m.person.name) for m in household.members])
    if request.method == "POST" and form.is_valid():
        into = _household_id(form.cleaned_data["into_number"])
        if into is None:
            form.add_error("into_number", _("There is no household with this number."))
        else:
            relations = tuple(Member(pk, relation) for pk, relation in form.given())
            details = Merge(household_id=household.id, into_household_id=into, relations=relations)
            if (response := _create(request, K.MERGE, form, details)) is not None:
                return response
    return _page(request, K.MERGE, {"form": form, "household": household})


@require_http_methods(["GET", "POST"])
@registrar_only
def new_head_change(request: HttpRequest, household_pk: int) -> HttpResponse:
    """戶長變更: another member becomes the head; every other member's relation to them."""
    household = _members(request, household_pk)
    members = [(m.person.id, m.person.name) for m in household.members]
    form = HeadChangeForm(request.POST or None, members=members, head_id=household.head_id)
    if request.method == "POST" and form.is_valid():
        head = form.cleaned_data["new_head"]
        relations = tuple(Member(pk, relation) for pk, relation in form.given(skip={head}))
        details = HeadChange(household_id=household.id, head_id=head, relations=relations)
        if (response := _create(request, K.HEAD_CHANGE, form, details)) is not None:
            return response
    return _page(request, K.HEAD_CHANGE, {"form": form, "household": household})
