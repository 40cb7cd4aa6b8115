"""The clerk's census proposals: plates found that differ from the register (number differs, unregistered plate,
building without a plate) with the address as written, a map point and the photo; confirm with the address as it
should be registered (parsed by ``review.proposal_confirm``) or reject with a note."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from geo_portal.census import review as census_review
from geo_portal.census.models import Proposal
from geo_portal.census.office import selectors
from geo_portal.census.office.views.common import EDIT_PLATES, map_context, refused, staff_only
from geo_portal.census.services import CensusRefused

CLERKS_ONLY = gettext_lazy("This page is for clerks who edit door plates.")


@require_GET
@staff_only(EDIT_PLATES, message=CLERKS_ONLY)
def proposal_list(request: HttpRequest) -> HttpResponse:
    return render(request, "census/office/proposals.html", {"proposals": selectors.open_proposals(), **map_context()})


def _back(proposal_id: int | None = None) -> HttpResponse:
    return redirect(reverse("census:proposals") + (f"#proposal-{proposal_id}" if proposal_id else ""))


@require_POST
@staff_only(EDIT_PLATES, message=CLERKS_ONLY)
def proposal_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_object_or_404(Proposal, pk=pk)
    try:
        decided = census_review.proposal_confirm(
            proposal_id=proposal.pk,
            user=request.user,
            address=request.POST.get("address", "").strip(),
            note=request.POST.get("note", "").strip(),
        )
    except CensusRefused as exc:
        refused(request, exc)
        return _back(proposal.pk)
    messages.success(
        request, _("Proposal %(id)s confirmed: %(address)s.") % {"id": decided.pk, "address": decided.plate.address}
    )
    return _back()


@require_POST
@staff_only(EDIT_PLATES, message=CLERKS_ONLY)
def proposal_reject(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_object_or_404(Proposal, pk=pk)
    try:
        census_review.proposal_reject(proposal_id=proposal.pk, user=request.user, note=request.POST.get("note", ""))
    except CensusRefused as exc:
        refused(request, exc)
        return _back(proposal.pk)
    messages.success(request, _("Proposal %(id)s rejected.") % {"id": proposal.pk})
    return _back()
