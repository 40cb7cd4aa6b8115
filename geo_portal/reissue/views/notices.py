"""Resident notices for staff: choose a village, census campaign or road and the plate conditions, preview how many
letters would go out and how many plates are skipped (already told, waiting in a batch, an open case), prepare the
batch; a batch's page lists its letters in walking order, prints them in parts (PDF) and records the sending (date,
method, letters not sent) or discards the batch."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from geo_portal.reissue import notice_scope
from geo_portal.reissue.errors import CaseRefused, StaleCase
from geo_portal.reissue.forms import NoticeBatchForm, NoticeScopeForm, NoticeSentForm, ReasonForm
from geo_portal.reissue.models import NoticeBatch, NoticeCondition
from geo_portal.reissue.services import notice_batch_create, notice_batch_discard, notice_batch_record_sent
from geo_portal.reissue.services.common import HANDLE
from geo_portal.reissue.views.common import (
    FOR_CLERKS,
    READ,
    forbidden,
    posted_version,
    show_form_errors,
    show_refusal,
    staff_only,
)

LETTERS_PER_PAGE = 200


@require_http_methods(["GET", "POST"])
@staff_only(*READ)
def notices(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _create(request)
    form = NoticeScopeForm(request.GET or None, initial={"conditions": NoticeCondition.values})
    shown = None
    if form.is_valid():
        kind, scope_id = form.cleaned_data["scope"]
        resolved = notice_scope.resolve_scope(kind=kind, scope_id=scope_id)
        if resolved is None:
            messages.error(request, _("There is no such village, census campaign or road."))
        else:
            scope, where = resolved
            shown = notice_scope.preview(scope=scope, where=where, conditions=form.cleaned_data["conditions"])
    elif request.GET:
        show_form_errors(request, form)
    chosen = request.GET.getlist("conditions") if request.GET else list(NoticeCondition.values)
    return render(
        request,
        "reissue/notices.html",
        {
            "form": form,
            "options": notice_scope.scope_options(),
            "scope_value": request.GET.get("scope", ""),
            "conditions": NoticeCondition.choices,
            "chosen": chosen,
            "preview": shown,
            "batches": notice_scope.batches()[:50],
            "office": notice_scope.office_service_point(),
            "nav": "notices",
        },
    )


def _create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(HANDLE):
        return forbidden(request, str(FOR_CLERKS))
    form = NoticeBatchForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect("reissue:notices")
    kind, scope_id = form.cleaned_data["scope"]
    try:
        batch = notice_batch_create(
            scope_kind=kind,
            scope_id=scope_id,
            conditions=form.cleaned_data["conditions"],
            resend_reason=form.cleaned_data["resend_reason"],
            actor=request.user,
        )
    except CaseRefused as exc:
        show_refusal(request, exc)
        return redirect("reissue:notices")
    messages.success(
        request,
        ngettext(
            "%(n)d letter prepared in walking order: print it, then record the sending.",
            "%(n)d letters prepared in walking order: print them, then record the sending.",
            batch.letter_count,
        )
        % {"n": batch.letter_count},
    )
    return redirect("reissue:notice-batch", pk=batch.pk)


@require_GET
@staff_only(*READ)
def notice_batch(request: HttpRequest, pk: int) -> HttpResponse:
    from geo_portal.reissue.notice_letters import parts  # the PDF module loads WeasyPrint: only where it is used

    batch = get_object_or_404(NoticeBatch.objects.select_related("created_by", "recorded_by"), pk=pk)
    letters = Paginator(notice_scope.batch_letters(batch), LETTERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reissue/notice_batch.html",
        {
            "batch": batch,
            "letters": letters,
            "parts": parts(batch),
            "condition_labels": [str(NoticeCondition(c).label) for c in batch.conditions],
            "can_handle": request.user.has_perm(HANDLE) and batch.status == NoticeBatch.Status.PREPARED,
            "sent_form": NoticeSentForm(),
            "discard_form": ReasonForm(),
            "nav": "notices",
        },
    )


@require_GET
@staff_only(*READ)
def notice_batch_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from geo_portal.reissue.notice_letters import notice_letters_pdf, parts

    batch = get_object_or_404(NoticeBatch, pk=pk)
    part_text = request.GET.get("part", "")
    part = int(part_text) if part_text.isdigit() and len(part_text) < 6 else None
    if part_text and (part is None or not 1 <= part <= len(parts(batch))):
        raise Http404
    # The QR codes need the site's full address: the configured one, or the one this page was asked on.
    site_url = settings.SITE_URL or request.build_absolute_uri("/").rstrip("/")
    response = HttpResponse(notice_letters_pdf(batch, part=part, site_url=site_url), content_type="application/pdf")
    name = f"notices-N-{batch.pk}" + (f"-part{part}" if part else "")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


def _back(pk: int) -> HttpResponse:
    return redirect("reissue:notice-batch", pk=pk)


@require_POST
@staff_only(HANDLE)
def notice_batch_sent(request: HttpRequest, pk: int) -> HttpResponse:
    form = NoticeSentForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return _back(pk)
    try:
        batch = notice_batch_record_sent(
            batch_id=pk,
            version=posted_version(request),
            sent_on=form.cleaned_data["sent_on"],
            method=form.cleaned_data["method"],
            not_sent=form.cleaned_data["not_sent"],
            actor=request.user,
        )
    except (CaseRefused, StaleCase) as exc:
        show_refusal(request, exc)
    else:
        sent = batch.letter_count - len(set(form.cleaned_data["not_sent"]))
        messages.success(
            request, ngettext("Sending recorded: %(n)d letter.", "Sending recorded: %(n)d letters.", sent) % {"n": sent}
        )
    return _back(pk)


@require_POST
@staff_only(HANDLE)
def notice_batch_discard_view(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReasonForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return _back(pk)
    try:
        notice_batch_discard(batch_id=pk, version=posted_version(request), reason=form.cleaned_data["reason"],
                             actor=request.user)  # fmt: skip
    except (CaseRefused, StaleCase) as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("Batch discarded; its plates can be written to again."))
    return _back(pk)
