"""Registrar pages that read the register: the start page (queues and searches), a plate's households, search
results by name or national ID (by POST: an ID never travels in a URL), a person's address history.

Every page that shows personal data asks for the purpose first and reads through a registry selector, which logs
the read with that purpose, this page's path and the request id.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from geo_portal.addresses.selectors import plates_matching_text
from geo_portal.registry import event_reads, selectors
from geo_portal.registry.errors import RegistryRefused
from geo_portal.registry.web.common import access_for, registrar_only, show_refusal
from geo_portal.registry.web.forms import AddressSearchForm, NameSearchForm, NationalIdSearchForm, PurposeForm

MAX_PLATES = 50


@require_GET
@registrar_only
def home(request: HttpRequest) -> HttpResponse:
    """Queues of events (no personal data) and the three searches; an address search lists matching plates."""
    address = AddressSearchForm(request.GET or None)
    plates = None
    if address.is_valid():
        found = plates_matching_text(address.cleaned_data["q"])
        plates = list(found.order_by("status", "address_key")[:MAX_PLATES]) if found is not None else []
    return render(
        request,
        "registry/home.html",
        {
            "address_form": address,
            "plates": plates,
            "name_form": NameSearchForm(),
            "id_form": NationalIdSearchForm(),
            "to_review": event_reads.events_to_review(user=request.user)[:50],
            "to_apply": event_reads.events_to_apply()[:50],
            "own": event_reads.own_open_events(user=request.user)[:50],
        },
    )


@require_GET
@registrar_only
def plate(request: HttpRequest, pk: int) -> HttpResponse:
    """A plate's entrance with its floors and units and the households registered there today."""
    form = PurposeForm(request.GET or None)
    entrance = None
    if form.is_valid():
        try:
            entrance = selectors.households_at_entrance(
                plate_id=pk,
                access=access_for(request, form.cleaned_data["purpose"], form.cleaned_data["note"]),
                with_national_id=request.GET.get("ids") == "1",
            )
        except RegistryRefused as exc:
            show_refusal(request, exc)
    return render(request, "registry/plate.html", {"form": form, "entrance": entrance, "plate_id": pk})


@require_http_methods(["GET", "POST"])
@registrar_only
def search_name(request: HttpRequest) -> HttpResponse:
    """By POST like the ID search: a name in a URL would reach server logs and browser history."""
    form = NameSearchForm(request.POST or None)
    matches = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            matches = selectors.persons_by_name(name=data["name"], access=access_for(request, data["purpose"], data["note"]))
        except RegistryRefused as exc:
            show_refusal(request, exc)
    return render(request, "registry/search.html", {"form": form, "matches": matches, "by": "name"})


@require_http_methods(["GET", "POST"])
@registrar_only
def search_id(request: HttpRequest) -> HttpResponse:
    form = NationalIdSearchForm(request.POST or None)
    matches = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            found = selectors.person_by_national_id(
                national_id_text=data["national_id"], access=access_for(request, data["purpose"], data["note"])
            )
            matches = [found] if found else []
        except RegistryRefused as exc:
            show_refusal(request, exc)
    return render(request, "registry/search.html", {"form": form, "matches": matches, "by": "id"})


@require_GET
@registrar_only
def person(request: HttpRequest, pk: int) -> HttpResponse:
    """A person's addresses over time."""
    form = PurposeForm(request.GET or None)
    history = None
    if form.is_valid():
        try:
            history = selectors.person_history(
                person_id=pk, access=access_for(request, form.cleaned_data["purpose"], form.cleaned_data["note"])
            )
        except RegistryRefused as exc:
            show_refusal(request, exc)
    return render(request, "registry/person.html", {"form": form, "history": history, "person_id": pk})
