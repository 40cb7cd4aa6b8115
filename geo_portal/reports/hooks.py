"""What higher apps add to a citizen report's public status page, without ``reports`` importing them.

Re-issuance (``reissue``) opens a case from a report and knows its progress; ``reports`` sits below it and may not
import it. A higher app registers a function from the report's id to a ``StatusNote`` (or None) once, in its
``AppConfig.ready``; the status page (``views.report_status``) shows every note the functions give. A note is
public: a sentence and an optional link, never personal data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class StatusNote:
    """A sentence for the report's status page and, optionally, a link to follow (e.g. the re-issue case's page)."""

    text: str
    link_text: str = ""
    link_path: str = ""


_NOTE_SOURCES: list[Callable[[int], StatusNote | None]] = []


def register_status_note(source: Callable[[int], StatusNote | None]) -> None:
    """Add a source of notes for reports' status pages (idempotent: a source registered twice counts once)."""
    if source not in _NOTE_SOURCES:
        _NOTE_SOURCES.append(source)


def status_notes(*, report_id: int) -> list[StatusNote]:
    """The notes the registered sources give for one report, in the order they were registered."""
    return [note for source in _NOTE_SOURCES if (note := source(report_id)) is not None]
