"""The paper fallback's printout: a task as an A4 sheet (PDF) in walking order, a tick box per stop and finding
kind, bilingual headings (zh-Hant and English, always both: the sheet goes out whatever the screen's language),
dates in the Republic of China calendar in Chinese and the Gregorian calendar in English, a CJK font.

HTML from ``templates/census/office/print/task_sheet.html`` rendered by WeasyPrint. Imported only by the sheet
view (WeasyPrint is loaded when a sheet is asked for, not by every web process) and tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from geo_portal.census.models import Finding, Task
from geo_portal.census.office.dates import english_date, english_datetime, roc_date, roc_datetime
from geo_portal.census.office.sheets import SheetStop
from geo_portal.core.pdf import html_to_pdf

# WeasyPrint logs each of its seven steps at INFO: a line per step per sheet in the server log says nothing useful.

K = Finding.Kind
# The sheet's columns: each kind's heading in both languages, in the order the surveyor thinks of them.
KIND_HEADINGS: list[tuple[str, str, str]] = [
    (K.OK, "良好", "OK"),
    (K.MISSING, "遺失", "Missing"),
    (K.DAMAGED, "毀損或不清", "Damaged / illegible"),
    (K.OLD_STYLE, "舊式", "Old style"),
    (K.WRONG_POSITION, "位置錯誤", "Wrong position"),
    (K.NUMBER_DIFFERS, "號碼不符", "Number differs"),
    (K.UNREGISTERED, "未登記門牌", "Unregistered plate"),
    (K.NO_PLATE, "建物未釘門牌", "Building without plate"),
    (K.SKIPPED, "略過", "Skipped"),
]
REPORT_KINDS = {
    "missing": ("民眾通報遺失", "reported missing"),
    "damaged": ("民眾通報毀損", "reported damaged"),
    "wrong_position": ("民眾通報位置錯誤", "reported in the wrong position"),
    "no_plate": ("民眾通報建物無門牌", "reported: building without a plate"),
    "other": ("民眾通報其他問題", "reported: other problem"),
}


@dataclass(frozen=True)
class Printed:
    stop: SheetStop
    hints: list[tuple[str, str]]  # (zh, en)


def hint_text(hint: dict[str, Any]) -> tuple[str, str]:
    """A stop's hint in both languages."""
    kind = hint.get("kind")
    if kind == "gap_after":
        missing = "、".join(str(n) for n in hint.get("missing", []))
        return f"號碼缺漏：{missing}號", f"numbers missing: {', '.join(str(n) for n in hint.get('missing', []))}"
    if kind == "report":
        return REPORT_KINDS.get(hint.get("report_kind", "other"), REPORT_KINDS["other"])
    if kind == "outside_village":
        return "門牌位於所屬村里之外", "plate lies outside its village"
    if kind == "building_without_plate":
        return "附近建物未釘門牌", "a building nearby has no plate"
    if kind == "never_checked":
        return "從未清查", "never checked"
    return str(kind), str(kind)


def sheet_context(*, task: Task, stops: list[SheetStop], printed_at: dt.datetime, printed_by: str) -> dict[str, Any]:
    local = timezone.localtime(printed_at)
    campaign = task.campaign
    expires = timezone.localtime(task.lock_expires_at) if task.lock_expires_at else None
    surveyor = task.assignee or task.last_assignee
    return {
        "task": task,
        "campaign": campaign,
        "kinds": KIND_HEADINGS,
        "stops": [Printed(stop, [hint_text(h) for h in stop.hints]) for stop in stops],
        "surveyor": surveyor.get_username() if surveyor else "",
        "printed_by": printed_by,
        "printed_zh": roc_datetime(local),
        "printed_en": english_datetime(local),
        "period_zh": f"{roc_date(campaign.starts_on)}至{roc_date(campaign.ends_on)}",
        "period_en": f"{english_date(campaign.starts_on)} to {english_date(campaign.ends_on)}",
        "expires_zh": roc_datetime(expires) if expires else "",
        "expires_en": english_datetime(expires) if expires else "",
        "plates": sum(len(s.plates) for s in stops),
    }


def task_sheet_pdf(*, task: Task, stops: list[SheetStop], printed_at: dt.datetime, printed_by: str) -> bytes:
    """The task's A4 sheet as PDF bytes."""
    html = render_to_string(
        "census/office/print/task_sheet.html",
        sheet_context(task=task, stops=stops, printed_at=printed_at, printed_by=printed_by),
    )
    return html_to_pdf(html)
