"""Files for staff: the receipt's PDF, the production order's sheet as PDF and CSV, the installation photo.
WeasyPrint is loaded when a PDF is asked for, not by every web process (as the census's paper sheets)."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from geo_portal.reissue.exports import order_csv
from geo_portal.reissue.models import Installation, ProductionOrder, Receipt
from geo_portal.reissue.views.common import READ, staff_only


@require_GET
@staff_only(*READ)
def receipt_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    from geo_portal.reissue.printing import receipt_pdf

    receipt = get_object_or_404(Receipt.objects.select_related("case", "payment", "issued_by"), pk=pk)
    response = HttpResponse(receipt_pdf(receipt), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{receipt.display_number}.pdf"'
    return response


@require_GET
@staff_only(*READ)
def order_sheet_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    from geo_portal.reissue.printing import order_sheet_pdf

    order = get_object_or_404(ProductionOrder.objects.select_related("created_by"), pk=pk)
    response = HttpResponse(order_sheet_pdf(order), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="plate-order-{order.pk}.pdf"'
    return response


@require_GET
@staff_only(*READ)
def order_sheet_csv_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(ProductionOrder, pk=pk)
    response = HttpResponse(order_csv(order).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="plate-order-{order.pk}.csv"'
    return response


@require_GET
@staff_only(*READ)
def installation_photo(request: HttpRequest, pk: int) -> FileResponse:
    """The photo of a case's installation (staff only, never cached)."""
    installation = get_object_or_404(Installation, case_id=pk)
    if not installation.photo:
        raise Http404
    kind = "image/jpeg" if installation.photo.name.endswith(".jpg") else "image/png"
    return FileResponse(installation.photo.open("rb"), content_type=kind)  # staff_only: never cached
