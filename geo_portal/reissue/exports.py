"""The production order as CSV for the plate maker's own systems: one row per plate in route order, the exact text
(one line, and line by line), kind, quantity, case reference, village and 鄰. UTF-8 with a BOM, so Excel reads the
Chinese text. Called by the order's CSV view and tests."""

from __future__ import annotations

import csv
import io

from geo_portal.core.csvsafe import neutralise_row
from geo_portal.reissue.models import ProductionOrder
from geo_portal.reissue.sheets import order_rows

COLUMNS = [
    "seq",
    "street",
    "text",
    "header",
    "lines",
    "kind",
    "kind_zh",
    "quantity",
    "case",
    "plate_id",
    "village",
    "neighborhood",
    "address",
]


def order_csv(order: ProductionOrder) -> str:
    """The order's rows as CSV text (with the BOM)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in order_rows(order):
        writer.writerow(
            neutralise_row(  # cells that would run as spreadsheet formulas get a leading ' (core.csvsafe)
                [
                    row.seq,
                    row.street,
                    row.text,
                    row.lines[0],
                    " | ".join(row.lines),
                    row.kind,
                    row.kind_zh,
                    row.quantity,
                    row.reference,
                    row.plate_id,
                    row.village,
                    "" if row.neighborhood is None else row.neighborhood,
                    row.address,
                ]
            )
        )
    return out.getvalue()
