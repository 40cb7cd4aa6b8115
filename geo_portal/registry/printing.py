"""Printouts of the register, always bilingual (zh-Hant and English, whatever the screen's language), A4, rendered
from ``templates/registry/print/`` by WeasyPrint with the CJK font; dates in the Republic of China calendar in
Chinese (民國115年12月2日, as on official documents) and the Gregorian calendar in English:

- the household transcript (戶籍謄本-like; ``transcript.household_transcript`` reads and logs it);
- the report of who read a person's data (``audit.person_report`` reads and logs it), for the citizen who asks.

Imported by the PDF views and tests (WeasyPrint is loaded only where a PDF is made).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from geo_portal.census.office.dates import english_date, english_datetime, roc_date, roc_datetime
from geo_portal.core.pdf import html_to_pdf
from geo_portal.registry.audit import PersonReport
from geo_portal.registry.transcript import KIND_LABELS, KIND_TEXT, RELATION_TEXT, Annotation, Transcript

SEX_TEXT = {"M": ("男", "male"), "F": ("女", "female")}


def _pdf(template: str, context: dict[str, Any]) -> bytes:
    html = render_to_string(template, context)
    return html_to_pdf(html)


def _office() -> dict[str, str]:
    office = getattr(settings, "REISSUE_OFFICE", {}) or {}
    return {"office_name": office.get("name", ""), "office_name_en": office.get("name_en", "")}


def _dates(day: dt.date) -> dict[str, str]:
    return {"zh": roc_date(day), "en": english_date(day)}


def _note(note: Annotation) -> dict[str, str]:
    zh, en = KIND_TEXT.get(note.kind, (note.kind, note.kind))
    return {
        "zh": f"{roc_date(note.effective_date)}{zh}（{roc_date(note.declared_on)}申報）",
        "en": f"{english_date(note.effective_date)}: {en} (declared {english_date(note.declared_on)})",
    }


def transcript_context(transcript: Transcript, *, printed_at: dt.datetime, printed_by: str) -> dict[str, Any]:
    local = timezone.localtime(printed_at)
    members = [
        {
            "relation": RELATION_TEXT.get(m.relation, (m.relation, m.relation)),
            "name": m.name,
            "sex": SEX_TEXT[m.sex],
            "born": _dates(m.birth_date),
            "since": _dates(m.since),
            "national_id": m.national_id,
            "notes": [_note(a) for a in m.annotations],
        }
        for m in transcript.members
    ]
    return {
        **_office(),
        "t": transcript,
        "kind": KIND_LABELS.get(transcript.kind, (transcript.kind, transcript.kind)),
        "established": _dates(transcript.established),
        "on": _dates(transcript.on),
        "members": members,
        "household_notes": [_note(a) for a in transcript.household_annotations],
        "printed_zh": roc_datetime(local),
        "printed_en": english_datetime(local),
        "printed_by": printed_by,
    }


def transcript_pdf(transcript: Transcript, *, printed_at: dt.datetime, printed_by: str) -> bytes:
    """The household transcript as an A4 PDF."""
    return _pdf(
        "registry/print/transcript.html", transcript_context(transcript, printed_at=printed_at, printed_by=printed_by)
    )


# The report's words for purposes and fields, in both languages (the log stores codes).
PURPOSE_TEXT: dict[str, tuple[str, str]] = {
    "registration": ("登記案件", "registration case"),
    "certificate": ("謄本核發", "transcript or certificate"),
    "verification": ("資料查核", "data verification"),
    "agency": ("機關查詢", "request from another agency"),
    "citizen": ("當事人申請", "your own request"),
    "home_visit": ("訪視", "home visit"),
    "audit": ("稽核", "audit or supervision"),
    "statistics": ("統計", "statistics"),
}
FIELD_TEXT: dict[str, tuple[str, str]] = {
    "name": ("姓名", "name"),
    "sex": ("性別", "sex"),
    "birth_date": ("出生日期", "date of birth"),
    "death_date": ("死亡日期", "date of death"),
    "national_id": ("統一編號", "national ID"),
    "relation": ("稱謂", "relation"),
    "household": ("戶籍", "household"),
    "address": ("住址", "address"),
    "period": ("期間", "period"),
    "annotations": ("記事", "annotations"),
    "count": ("統計數", "count"),
}


def reads_report_context(report: PersonReport, *, printed_by: str) -> dict[str, Any]:
    made = timezone.localtime(report.made_at)
    reads = []
    for row in report.reads:
        at = timezone.localtime(row.at)
        fields = [FIELD_TEXT.get(f, (f, f)) for f in row.fields]
        reads.append(
            {
                "zh": roc_datetime(at),
                "en": english_datetime(at),
                "username": row.username,
                "purpose": PURPOSE_TEXT.get(row.purpose, (row.purpose, row.purpose)),
                "note": row.note,
                "fields_zh": "、".join(f[0] for f in fields),
                "fields_en": ", ".join(f[1] for f in fields),
            }
        )
    return {
        **_office(),
        "report": report,
        "born": _dates(report.birth_date),
        "reads": reads,
        "made_zh": roc_datetime(made),
        "made_en": english_datetime(made),
        "printed_by": printed_by,
    }


def reads_report_pdf(report: PersonReport, *, printed_by: str) -> bytes:
    """Who read a person's data and why, as an A4 PDF for the person."""
    return _pdf("registry/print/reads_report.html", reads_report_context(report, printed_by=printed_by))
