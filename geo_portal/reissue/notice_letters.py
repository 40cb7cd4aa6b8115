"""Resident notice letters as PDF: one A4 page per plate, zh-Hant with an English section, in the batch's walking
order, printed in parts of ``PART_SIZE`` letters each led by a delivery list.

Each letter carries the plate's address as on the plate (and in English), what was found (missing, damaged or
illegible, old style), what to bring — an identity document, this letter, an agent's authorisation, the fee in force
for a door plate or "no fee" for an old-style plate that the office replaces — and where to come (the office's
service point with its address), and a QR code (segno, PNG) leading to the plate's public card on the map. Dates
are in the Republic of China calendar in Chinese and the Gregorian calendar in English: the date the batch was
prepared, so a reprint is the same letter.

Rendered from ``templates/reissue/print/notice_letters.html`` by WeasyPrint with the CJK font: one part per request of
the staff page, or every part as files by ``print_batch`` (``manage.py print_notices``): in one process the whole batch
is laid out as one document (every part led by its delivery list) and each part's pages written to its file; with
``jobs`` > 1 the parts are rendered by several processes at once. Python's cyclic garbage collector is paused while
WeasyPrint lays out and draws (its box trees are large and live until the PDF is written: the collector's passes over
them cost a fifth of the layout time).
Imported by the PDF view, the command, tests and the bench (WeasyPrint is loaded where letters are printed only).
"""

from __future__ import annotations

import gc
import math
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import segno
from django.conf import settings
from django.db import connections
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from geo_portal.addresses.search import english_address
from geo_portal.census.office.dates import english_date, roc_date
from geo_portal.core.pdf import render

if TYPE_CHECKING:
    import weasyprint
from geo_portal.reissue.models import NoticeBatch, NoticeLetter
from geo_portal.reissue.notice_scope import office_service_point
from geo_portal.reissue.selectors import fee_in_force
from geo_portal.reissue.sheets import money

# Letters per printed part: one part is one request of the staff page (about 7 s of WeasyPrint here).
PART_SIZE = 100

# What the letter says was found, in both languages (printouts carry both, whatever the screen's language).
FOUND = {
    "missing": (
        "本所門牌清查發現，貴址門牌已遺失（未釘掛門牌）。",
        "Our door-plate census found that the door plate of your address is missing.",
    ),
    "damaged": (
        "本所門牌清查發現，貴址門牌毀損或字跡不清，不易辨識。",
        "Our door-plate census found that the door plate of your address is damaged or hard to read.",
    ),
    "old_style": (
        "本所門牌清查發現，貴址門牌為舊式門牌。為統一本市門牌樣式，本所將免費為您更換新式門牌。",
        "Our door-plate census found that your door plate is of the old style. To give the city one style of plate, "
        "the office replaces it with a new one free of charge.",
    ),
}
CONDITION_NAMES = {"missing": ("遺失", "missing"), "damaged": ("毀損或不清", "damaged"), "old_style": ("舊式", "old style")}


@dataclass(frozen=True)
class Office:
    name: str
    name_en: str
    point_name: str
    point_name_en: str
    address: str
    address_en: str


@dataclass(frozen=True)
class PrintedLetter:
    letter: NoticeLetter
    lines: list[str]
    found_zh: str
    found_en: str
    condition_zh: str
    condition_en: str
    free: bool
    card_url: str
    qr_png: str  # data: URI


def office_for_letters() -> Office:
    """Who writes and where to come: the office's name (settings) and its service point with its address."""
    point = office_service_point()
    names = settings.REISSUE_OFFICE
    if point is None:  # the batch service refuses to prepare letters without one; a reprint still names the office
        return Office(names["name"], names["name_en"], names["name"], names["name_en"], "", "")
    return Office(
        name=names["name"],
        name_en=names["name_en"],
        point_name=point.name,
        point_name_en=point.name_en or names["name_en"],
        address=point.address,
        address_en=english_address(point.plate) if point.plate_id else "",
    )


def card_url(plate_id: int, site_url: str) -> str:
    """The plate's public card: the map opened at the plate (its permalink)."""
    return f"{site_url.rstrip('/')}{reverse('publicmap:home')}?plate={plate_id}"


# The QR code's mask pattern, fixed: segno otherwise tries all eight and scores each (ISO/IEC 18004's penalty rules),
# 3.3 of the 4.4 ms it takes to make a code; every reader decodes any of the eight masks.
QR_MASK = 0


def qr_png(url: str) -> str:
    """The URL as a QR code, a PNG data URI of one pixel a module (error correction M, so a smudged letter still
    scans). The letter prints it 28 mm wide with ``image-rendering: pixelated`` (the PDF's ``/Interpolate false``):
    every module a sharp square at any resolution, and a 37-pixel image for WeasyPrint to decode and re-encode instead
    of a 222-pixel one. PNG rather than SVG: WeasyPrint draws it without parsing a path per letter."""
    return segno.make(url, error="m", micro=False, mask=QR_MASK).png_data_uri(scale=1, border=2)


@dataclass(frozen=True)
class PartLetters:
    """One printed part: its number (None when the whole batch is printed as one list) and its letters."""

    part: int | None
    letters: list[PrintedLetter]


def parts(batch: NoticeBatch) -> list[tuple[int, int, int]]:
    """(part, first letter, last letter) for every printed part of the batch."""
    count = batch.letter_count
    return [(i + 1, i * PART_SIZE + 1, min(count, (i + 1) * PART_SIZE)) for i in range(math.ceil(count / PART_SIZE))]


def _printed(letter: NoticeLetter, site_url: str) -> PrintedLetter:
    url = card_url(letter.plate_id, site_url)
    found_zh, found_en = FOUND[letter.condition]
    condition_zh, condition_en = CONDITION_NAMES[letter.condition]
    return PrintedLetter(
        letter=letter,
        lines=letter.lines.split("\n"),
        found_zh=found_zh,
        found_en=found_en,
        condition_zh=condition_zh,
        condition_en=condition_en,
        free=letter.condition == "old_style",
        card_url=url,
        qr_png=qr_png(url),
    )


def letters_context(batch: NoticeBatch, *, part: int | None, site_url: str, by_part: bool = False) -> dict[str, Any]:
    """The template's context: one part's letters, or all of them — as one list (``by_part`` False) or part by part,
    each part led by its own delivery list (``by_part``: the whole batch as one document for the print shop)."""
    letters = NoticeLetter.objects.filter(batch=batch).order_by("seq")
    total_parts = len(parts(batch))
    if part is not None:
        letters = letters.filter(seq__gt=(part - 1) * PART_SIZE, seq__lte=part * PART_SIZE)
    prepared = timezone.localtime(batch.created_at).date()
    fee = fee_in_force(plate_kind="standard", on=prepared)
    printed = [_printed(letter, site_url) for letter in letters]
    if by_part and part is None:
        sections = [PartLetters(n, printed[first - 1 : last]) for n, first, last in parts(batch)]
    else:
        sections = [PartLetters(part, printed)]
    return {
        "batch": batch,
        "letters": printed,
        "sections": sections,
        "part": part,
        "parts": total_parts,
        "office": office_for_letters(),
        "date_zh": roc_date(prepared),
        "date_en": english_date(prepared),
        "fee": money(fee.amount) if fee else "",
    }


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while WeasyPrint works: it allocates box trees by the hundred thousand, and the
    collector's passes over them (they live until the PDF is written) are pure overhead. Nothing is collected by hand
    afterwards either: a collection while the document is still referenced walks all of it for nothing; once it is
    dropped, reference counting frees it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _document(batch: NoticeBatch, part: int | None, site_url: str, *, by_part: bool = False) -> weasyprint.Document:
    context = letters_context(batch, part=part, site_url=site_url or settings.SITE_URL, by_part=by_part)
    html = render_to_string("reissue/print/notice_letters.html", context)
    return render(html)


def _render(batch: NoticeBatch, part: int | None, site_url: str) -> tuple[bytes, int]:
    with _collector_paused():
        document = _document(batch, part, site_url)
        return document.write_pdf(), len(document.pages)


def notice_letters_pdf(batch: NoticeBatch, *, part: int | None = None, site_url: str = "") -> bytes:
    """The batch's letters (one part, or all) as A4 PDF bytes, led by the part's delivery list."""
    return _render(batch, part, site_url)[0]


@dataclass(frozen=True)
class PrintedPart:
    part: int
    path: Path
    letters: int
    pages: int
    bytes: int


def _print_part(batch_id: int, part: int, letters: int, folder: str, site_url: str) -> PrintedPart:
    batch = NoticeBatch.objects.get(pk=batch_id)
    pdf, pages = _render(batch, part, site_url)
    path = Path(folder) / f"notices-N-{batch_id}-part{part:02d}.pdf"
    path.write_bytes(pdf)
    return PrintedPart(part, path, letters, pages, len(pdf))


def _print_whole(batch: NoticeBatch, folder: Path, site_url: str) -> list[PrintedPart]:
    """The whole batch laid out once (one document, each part led by its delivery list), each part's pages written to
    its own file: the fonts, style sheets and the layout's set-up are loaded once, not once per part."""
    printed = []
    with _collector_paused():
        document = _document(batch, None, site_url, by_part=True)
        by_part: dict[int, list] = {}
        part = 0
        for page in document.pages:
            # A part begins on the page holding its delivery list's anchor (``id="part-N"``).
            part = next((int(name[5:]) for name in page.anchors if name.startswith("part-")), part)
            by_part.setdefault(part, []).append(page)
        for part, first, last in parts(batch):
            letters = last - first + 1
            pages = by_part[part]
            pdf = document.copy(pages).write_pdf()
            path = folder / f"notices-N-{batch.pk}-part{part:02d}.pdf"
            path.write_bytes(pdf)
            printed.append(PrintedPart(part, path, letters, len(pages), len(pdf)))
    return printed


def print_batch(batch: NoticeBatch, *, folder: Path, site_url: str = "", jobs: int = 1) -> list[PrintedPart]:
    """Every part of the batch as a PDF file in ``folder`` (for a print shop). One process (``jobs`` 1) lays the whole
    batch out as one document; ``jobs`` > 1 renders the parts in that many processes at once (WeasyPrint uses one
    core; a part is independent of the others). Returns the parts in order."""
    folder.mkdir(parents=True, exist_ok=True)
    tasks = [(batch.pk, part, last - first + 1, str(folder), site_url) for part, first, last in parts(batch)]
    if jobs <= 1 or len(tasks) == 1:
        return _print_whole(batch, folder, site_url)
    # Forked workers inherit Django's set-up; each opens its own database connection (none may be shared).
    connections.close_all()
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(_print_part, *zip(*tasks, strict=True)))
