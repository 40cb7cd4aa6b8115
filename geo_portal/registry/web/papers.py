"""Registrar pages that print: the household transcript (戶籍謄本-like PDF, with or without annotations).

The page asks for the purpose (and whether to print the annotations) first; the PDF is made from the registry's
transcript selector, which logs the read of every member printed with that purpose, this page's path and the
request id. The PDF is never cached (``no-store``) and is named by the household number only.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from geo_portal.registry.errors import RegistryRefused
from geo_portal.registry.printing import transcript_pdf
from geo_portal.registry.transcript import household_transcript
from geo_portal.registry.web.common import access_for, registrar_only, show_refusal
from geo_portal.registry.web.forms import TranscriptForm


@require_GET
@registrar_only
def transcript(request: HttpRequest, household_pk: int) -> HttpResponse:
    form = TranscriptForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        try:
            read = household_transcript(
                household_id=household_pk,
                access=access_for(request, data["purpose"], data["note"]),
                annotations=data["annotations"],
            )
        except RegistryRefused as exc:
            show_refusal(request, exc)
        else:
            pdf = transcript_pdf(read, printed_at=timezone.now(), printed_by=request.user.get_username())
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = f'inline; filename="transcript-{read.number}.pdf"'
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "registry/transcript.html", {"form": form, "household_pk": household_pk})
