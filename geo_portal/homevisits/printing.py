"""The round's printable sheet: A4 (WeasyPrint, CJK font), the stops in visiting order with the planned times,
each address as on the plate (with the floor, room or bed asked for), the person, what is to be done, contact and
notes, and boxes to tick for the outcome; bilingual headings (zh-Hant and English, always both), the day in the
Republic of China calendar and the Gregorian one, and the note that distances are straight lines.

HTML from ``templates/homevisits/print/round_sheet.html``. Imported only by the sheet view and tests.
"""

from __future__ import annotations

from django.template.loader import render_to_string

from geo_portal.census.office.dates import english_date, roc_date
from geo_portal.core.pdf import html_to_pdf
from geo_portal.homevisits.selectors import PlanView


def round_sheet_html(view: PlanView) -> str:
    plan = view.plan
    return render_to_string(
        "homevisits/print/round_sheet.html",
        {
            "plan": plan,
            "stops": view.stops,
            "unfit": view.unfit,
            "day_zh": roc_date(plan.day),
            "day_en": english_date(plan.day),
            "km": plan.total_m / 1000,
        },
    )


def round_sheet_pdf(view: PlanView) -> bytes:
    return html_to_pdf(round_sheet_html(view))
