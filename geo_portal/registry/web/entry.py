"""Registrar pages that enter registration events: a move-in at a plate (a new household there, or into an existing
one), a birth into a household, a household's address change to a plate, a death or a move-out in a household.

Each page only shapes the input into the event's details and calls ``event_create``; the service checks it
against the register and names the field of every problem, shown as messages above the form (nothing is saved
then). Pages that show a household's members read them through the registry selector with the purpose
"registration case", which logs the read. Splits, merges and changes of head are entered later (not built yet).
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
from geo_portal.registry.details import AddressChange, Birth, Death, Member, MoveIn, MoveOut, NewHousehold, NewPerson
from geo_portal.registry.errors import RegistryRefused
from geo_portal.registry.models import Household, RegistrationEvent
from geo_portal.registry.services.events import event_create
from geo_portal.registry.web.common import access_for, registrar_only, show_refusal
from geo_portal.registry.web.forms import (
    AddressChangeForm,
    BirthForm,
    DepartureForm,
    MoveInForm,
    NewPersonFormSet,
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
