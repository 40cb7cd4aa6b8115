"""Production orders: the cases ready to order (paid, or waived) to tick and send as one order; the list of orders;
an order's rows in route order with its sheet (PDF, CSV) and the delivery to record."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from geo_portal.reissue import selectors
from geo_portal.reissue.errors import CaseRefused, StaleCase
from geo_portal.reissue.forms import DeliveryForm
from geo_portal.reissue.models import ProductionOrder
from geo_portal.reissue.services import order_create, order_delivered
from geo_portal.reissue.services.common import HANDLE
from geo_portal.reissue.sheets import order_groups, order_rows
from geo_portal.reissue.views.common import READ, show_form_errors, show_refusal, staff_only


def _chosen(request: HttpRequest) -> dict[int, int]:
    """Ticked cases → the versions the page showed (``version-<id>`` fields)."""
    chosen = {}
    for value in request.POST.getlist("case"):
        try:
            case_id = int(value)
            chosen[case_id] = int(request.POST.get(f"version-{case_id}", ""))
        except ValueError:
            continue
    return chosen


@require_http_methods(["GET", "POST"])
@staff_only(*READ)
def order_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if not request.user.has_perm(HANDLE):
            return redirect("reissue:orders")
        try:
            order = order_create(cases=_chosen(request), actor=request.user, note=request.POST.get("note", ""))
        except (CaseRefused, StaleCase) as exc:
            show_refusal(request, exc)
            return redirect("reissue:orders")
        messages.success(request, _("Order %(n)s made; print its sheet for the plate maker.") % {"n": order.pk})
        return redirect("reissue:order", pk=order.pk)
    return render(
        request,
        "reissue/orders.html",
        {"ready": selectors.ready_to_order(), "orders": selectors.orders()[:200], "nav": "orders"},
    )


@require_GET
@staff_only(*READ)
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(ProductionOrder.objects.select_related("created_by", "delivered_by"), pk=pk)
    rows = order_rows(order)
    return render(
        request,
        "reissue/order_detail.html",
        {"order": order, "groups": order_groups(rows), "plates": sum(r.quantity for r in rows),
         "form": DeliveryForm(), "nav": "orders"},
    )  # fmt: skip


@require_POST
@staff_only(HANDLE)
def order_delivered_view(request: HttpRequest, pk: int) -> HttpResponse:
    form = DeliveryForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect("reissue:order", pk=pk)
    try:
        order_delivered(order_id=pk, delivered_on=form.cleaned_data["delivered_on"], actor=request.user)
    except CaseRefused as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("Delivery recorded; the plates can be installed or collected."))
    return redirect("reissue:order", pk=pk)
