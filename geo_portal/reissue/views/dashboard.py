"""The supervisors' dashboard (reviewers, who also void receipts and keep the fees): open cases by step and age,
every overdue case page by page (nothing overdue is left out), and the weekly trend."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from geo_portal.reissue import dashboard
from geo_portal.reissue.services.common import APPROVE_MONEY, MANAGE_FEES
from geo_portal.reissue.views.common import staff_only

FOR_SUPERVISORS = gettext_lazy("The re-issuance dashboard is for reviewers who supervise the cases.")
PAGE_SIZE = 100


@require_GET
@staff_only(APPROVE_MONEY, MANAGE_FEES, message=FOR_SUPERVISORS)
def dashboard_view(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    overdue = Paginator(dashboard.overdue_cases(today=today), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reissue/dashboard.html",
        {
            "today": today,
            "steps": dashboard.step_ages(today=today),
            "buckets": dashboard.AGE_BUCKETS,
            "overdue": overdue,
            "trend": dashboard.trend(today=today),
            "nav": "dashboard",
        },
    )
