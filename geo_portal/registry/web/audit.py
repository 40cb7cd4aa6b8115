"""The supervisor's pages of the access log (permission ``registry.audit_access_log``: the administrator role, never
the registrars whose reading it shows): the log of a period with its flags for unusual reading, and the
per-person report of who read a person's data and why — on screen or as a bilingual PDF for the citizen who asks.

The person is found by national ID by POST (an ID never travels in a URL); that lookup is itself a logged read
(purpose: the person's own request, or an audit). The log pages show ids, user names, purposes and pages only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from geo_portal.registry import audit
from geo_portal.registry.errors import AccessDenied, RegistryRefused
from geo_portal.registry.printing import reads_report_pdf
from geo_portal.registry.web.common import access_for, forbidden, show_refusal
from geo_portal.registry.web.forms import AuditFilterForm, PersonReportForm

PAGE_SIZE = 100


def auditor_only(view: Callable) -> Callable:
    """Signed-in staff who may audit the access log; never cached."""

    @wraps(view)
    @never_cache
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("staff:login"))
        if not audit.may_audit(request.user):
            return forbidden(request, _("This page is for supervisors of the household register's access log."))
        try:
            return view(request, *args, **kwargs)
        except AccessDenied as exc:
            return forbidden(request, str(exc))

    return wrapped


def _bounds(form: AuditFilterForm) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    first = form.cleaned_data.get("start") or today - dt.timedelta(days=6)
    last = form.cleaned_data.get("end") or today
    return (
        dt.datetime.combine(first, dt.time.min, tzinfo=tz),
        dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


@require_GET
@auditor_only
def log(request: HttpRequest) -> HttpResponse:
    """The log of a period (the last seven days by default), newest first, with the period's flags."""
    form = AuditFilterForm(request.GET or None)
    valid = form.is_valid() if request.GET else True
    flags, page = [], None
    if valid:
        if not request.GET:
            form = AuditFilterForm({})
            form.is_valid()
        start, end = _bounds(form)
        data = form.cleaned_data
        flags = audit.unusual_reading(start=start, end=end)
        if data.get("username"):
            flags = [f for f in flags if f.username == data["username"]]
        rows = audit.log_entries(
            user=request.user, start=start, end=end, username=data.get("username", ""), person_id=data.get("person")
        )
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registry/audit_log.html",
        {"form": form, "flags": flags, "page": page, "query": query.urlencode(), "nav": "audit"},
    )


@require_http_methods(["GET", "POST"])
@auditor_only
def person_report(request: HttpRequest) -> HttpResponse:
    """Who read a person's data and why: found by national ID (POST), shown or printed as a PDF."""
    form = PersonReportForm(request.POST or None)
    report = None
    searched = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        searched = True
        try:
            report = audit.person_report(
                national_id_text=data["national_id"], access=access_for(request, data["purpose"], data["note"])
            )
        except RegistryRefused as exc:
            show_refusal(request, exc)
            searched = False
        if report is not None and "pdf" in request.POST:
            pdf = reads_report_pdf(report, printed_by=request.user.get_username())
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = f'inline; filename="reads-{report.person_id}.pdf"'
            response["Cache-Control"] = "no-store"
            return response
    return render(
        request, "registry/audit_person.html", {"form": form, "report": report, "searched": searched, "nav": "report"}
    )
