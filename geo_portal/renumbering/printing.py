"""Printouts of a renumbering plan, always bilingual (zh-Hant and English; ROC dates in Chinese, Gregorian in
English): the renumbering certificate (門牌整編證明), one A4 page per affected plate or per household the plan
moved (``households``: household number and head, read and logged through the registry's access rules), and the
resident notice letters, one per plate in the letter carrier's walking order over the new addresses.

The letters reuse the re-issuance notices (``reissue.notice_letters``): the same office and service point lines,
the plate's public card as a QR code, the same A4 layout (floats, CJK font) — with the old and new address, the
effective date and the plan number instead of a plate's condition. Rendered by WeasyPrint from
``templates/renumbering/print/``. Called by the plan page's PDF views and tests; the letters and plate certificates
print no personal data (letters go "to the residents of" an address); household certificates do, for registrars.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from geo_portal.census.office.dates import english_date, roc_date
from geo_portal.core.pdf import html_to_pdf
from geo_portal.reissue.notice_letters import card_url, office_for_letters, qr_png
from geo_portal.renumbering.households import HouseholdLine
from geo_portal.renumbering.models import Plan, PlanItem
from geo_portal.renumbering.preview import Row, plan_preview
from geo_portal.renumbering.rules import walking_sequence


@dataclass(frozen=True)
class Printed:
    seq: int
    item: PlanItem
    old_address: str
    new_address: str
    new_english: str
    zip_code: str
    card_url: str
    qr_png: str


def _rows(plan: Plan, *, item_ids: set[int] | None, qr: bool, site_url: str) -> list[Printed]:
    preview = plan_preview(plan)
    by_position = {row.item.position: row for row in preview.rows}
    pairs = walking_sequence([(row.item.position, row.new) for row in preview.rows if row.resolved.canonical])
    out: list[Printed] = []
    for position, _new in pairs:
        row: Row = by_position[position]
        if item_ids is not None and row.item.pk not in item_ids:
            continue
        url = card_url(row.item.new_plate_id or row.item.old_plate_id, site_url or settings.SITE_URL)
        out.append(
            Printed(
                seq=len(out) + 1,
                item=row.item,
                old_address=row.item.old_address,
                new_address=row.new_address,
                new_english=row.resolved.english,
                zip_code=row.resolved.zip_code,
                card_url=url,
                qr_png=qr_png(url) if qr else "",
            )
        )
    return out


def _context(plan: Plan, rows: list[Printed]) -> dict[str, Any]:
    return {
        "plan": plan,
        "rows": rows,
        "office": office_for_letters(),
        "effective_zh": roc_date(plan.effective_date),
        "effective_en": english_date(plan.effective_date),
        "approved_zh": roc_date(plan.approved_at.date()) if plan.approved_at else "",
        "approved_en": english_date(plan.approved_at.date()) if plan.approved_at else "",
    }


def _pdf(template: str, context: dict[str, Any]) -> bytes:
    html = render_to_string(template, context)
    return html_to_pdf(html)


def certificates_pdf(plan: Plan, *, item_ids: set[int] | None = None) -> bytes:
    """The renumbering certificate of every plate of the plan (or of the given items), one A4 page each."""
    return _pdf("renumbering/print/certificate.html", _context(plan, _rows(plan, item_ids=item_ids, qr=False, site_url="")))


def letters_pdf(plan: Plan, *, site_url: str = "") -> bytes:
    """A resident notice letter for every plate of the plan, in walking order over the new addresses."""
    return _pdf("renumbering/print/letters.html", _context(plan, _rows(plan, item_ids=None, qr=True, site_url=site_url)))


def household_certificates_pdf(plan: Plan, lines: list[HouseholdLine]) -> bytes:
    """The renumbering certificate of each household line (``households.plan_households``), one A4 page each."""
    return _pdf("renumbering/print/household_certificate.html", {**_context(plan, []), "households": lines})
