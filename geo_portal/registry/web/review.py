"""Registrar pages for one registration event: its details for review (a logged read, purpose "registration
case"), the steps (submit, approve, reject, apply — each a POST with the version shown), scanned documents (upload
to private storage; download only here, logged). The same registrar cannot approve or reject their own event: the
buttons are not offered and the service refuses it anyway."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from geo_portal.registry import event_reads
from geo_portal.registry.access import Purpose
from geo_portal.registry.deadlines import days_late
from geo_portal.registry.errors import RegistryRefused
from geo_portal.registry.models import RegistrationEvent
from geo_portal.registry.services import events
from geo_portal.registry.web import present
from geo_portal.registry.web.common import access_for, registrar_only, show_refusal
from geo_portal.registry.web.forms import DecisionForm, DocumentForm

S = RegistrationEvent.Status


def _note(pk: int) -> str:
    return _("registration event #%(id)s") % {"id": pk}


@require_GET
@registrar_only
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        view = event_reads.event_for_review(event_id=pk, access=access_for(request, Purpose.REGISTRATION, _note(pk)))
    except RegistryRefused:
        raise Http404(_("There is no such registration event.")) from None
    event = view.event
    own = event.submitted_by_id == request.user.pk or (event.status == S.DRAFT and event.created_by_id == request.user.pk)
    return render(
        request,
        "registry/event_detail.html",
        {
            "view": view,
            "event": event,
            "rows": present.rows(view),
            "new_persons": present.new_persons(view),
            "days_late": days_late(event.kind, event.effective_date, event.declared_on),
            "may_submit": event.status == S.DRAFT,
            "may_review": event.status == S.SUBMITTED and event.submitted_by_id != request.user.pk,
            "may_apply": event.status == S.APPROVED,
            "own_submitted": event.status == S.SUBMITTED and own,
            "document_form": DocumentForm(),
            "may_attach": event.status in (S.DRAFT, S.SUBMITTED),
        },
    )


STEPS = {
    "submit": lambda request, pk, version, note: events.event_submit(event_id=pk, actor=request.user, version=version),
    "approve": lambda request, pk, version, note: events.event_approve(
        event_id=pk, actor=request.user, version=version, note=note
    ),
    "reject": lambda request, pk, version, note: events.event_reject(
        event_id=pk, actor=request.user, version=version, note=note
    ),
    "apply": lambda request, pk, version, note: events.event_apply(event_id=pk, actor=request.user, version=version),
}
# Lazy: in the language of the request, not the one active at import.
DONE = {
    "submit": gettext_lazy("Event #%(id)s submitted for review by another registrar."),
    "approve": gettext_lazy("Event #%(id)s approved; it can be applied now."),
    "reject": gettext_lazy("Event #%(id)s rejected."),
    "apply": gettext_lazy("Event #%(id)s applied to the register."),
}


@require_POST
@registrar_only
def event_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    if step not in STEPS:
        raise Http404(_("Unknown step."))
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete; reload the page and try again."))
        return redirect("registry:event", pk=pk)
    try:
        STEPS[step](request, pk, form.cleaned_data["version"], form.cleaned_data["note"] or "")
    except RegistryRefused as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, DONE[step] % {"id": pk})
    return redirect("registry:event", pk=pk)


@require_POST
@registrar_only
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the kind of document and a file."))
        return redirect("registry:event", pk=pk)
    try:
        events.event_attach_document(
            event_id=pk, actor=request.user, upload=form.cleaned_data["file"], kind=form.cleaned_data["kind"]
        )
    except RegistryRefused as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("Document attached."))
    return redirect("registry:event", pk=pk)


@require_GET
@registrar_only
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        document = event_reads.event_document(document_id=pk, access=access_for(request, Purpose.REGISTRATION))
    except RegistryRefused:
        raise Http404(_("There is no such document.")) from None
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    response["Content-Disposition"] = f'inline; filename="document-{document.pk}{document.file.name[-4:]}"'
    return response
