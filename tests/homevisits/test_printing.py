"""The round's printable sheet: A4, the stops in visiting order with their planned times and the addresses as on
the plates (with the unit asked for), bilingual headings, and the straight-line note."""

from __future__ import annotations

import io

from django.utils import timezone
from pypdf import PdfReader

from geo_portal.homevisits.planning import plan_create
from geo_portal.homevisits.printing import round_sheet_pdf
from geo_portal.homevisits.selectors import plan_view
from geo_portal.homevisits.services import request_create
from tests.homevisits.conftest import access


def test_the_sheet_lists_the_stops_in_visiting_order(office, staff):
    ann = staff["ann"]
    ids = [
        request_create(
            actor=ann, access=access(ann), address=f"光復路二段{n}號", name=f"住戶{n}", purpose="other", unit=unit
        ).pk
        for n, unit in ((11, ""), (3, "2樓 5床"), (7, ""))
    ]
    plan = plan_create(actor=ann, day=timezone.localdate(), visitor=staff["bob"], request_ids=ids)
    pdf = PdfReader(io.BytesIO(round_sheet_pdf(plan_view(access=access(ann), plan_id=plan.pk))))
    text = "".join(page.extract_text() for page in pdf.pages).replace(" ", "")
    assert len(pdf.pages) == 1
    assert round(float(pdf.pages[0].mediabox.width)) == 595  # A4 portrait, in points
    positions = [text.index(f"新竹市東區光復路二段{n}號") for n in (3, 7, 11)]
    assert positions == sorted(positions)
    assert "2樓5床" in text and "到宅服務路線表" in text and "Home-visitround" in text
    assert "08:31" in text and "bob" in text
    assert "距離為直線距離" in text and "Distancesarestraightlines" in text
