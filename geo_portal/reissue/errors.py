"""The refusals of the re-issue services: ``CaseRefused`` (bad input or an illegal step; ``errors`` maps each field
to its reasons), ``StaleCase`` (someone changed the case since the caller read it) and ``StaleBatch`` (the same for
a batch of notice letters). Nothing is written when any is raised. Raised by ``services``, shown by the views."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

FieldErrors = dict[str, list[str]]


class CaseRefused(ValueError):
    """Invalid input or a step that is not allowed; ``errors`` maps each field to its reasons. Nothing was written."""

    def __init__(self, errors: FieldErrors):
        self.errors = errors
        super().__init__("; ".join(f"{name}: {', '.join(reasons)}" for name, reasons in errors.items()))


class StaleCase(Exception):
    """The case changed since the caller read it: the step was refused, nothing was written."""

    def __init__(self, *, reference: str, seen: int, current: int, changed_at: dt.datetime, changed_by: str):
        self.reference, self.seen, self.current = reference, seen, current
        self.changed_at, self.changed_by = changed_at, changed_by
        when = timezone.localtime(changed_at).strftime("%Y-%m-%d %H:%M:%S")
        super().__init__(
            _(
                "case %(ref)s was changed by %(who)s at %(when)s (now version %(current)s; you saw version %(seen)s): "
                "reload it and try again"
            )
            % {"ref": reference, "who": changed_by, "when": when, "current": current, "seen": seen}
        )


def refuse(errors: FieldErrors) -> None:
    """Raise ``CaseRefused`` when any field was refused."""
    if errors:
        raise CaseRefused(errors)


def add(errors: FieldErrors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


class StaleBatch(StaleCase):
    """The notice batch changed since the caller read it: the step was refused, nothing was written."""

    def __init__(self, *, batch_id: int, seen: int, current: int, changed_at: dt.datetime, changed_by: str):
        Exception.__init__(self)
        self.reference, self.seen, self.current = f"N-{batch_id}", seen, current
        self.changed_at, self.changed_by = changed_at, changed_by
        when = timezone.localtime(changed_at).strftime("%Y-%m-%d %H:%M:%S")
        self.args = (
            _(
                "notice batch %(n)s was changed by %(who)s at %(when)s (now version %(current)s; you saw version "
                "%(seen)s): reload it and try again"
            )
            % {"n": batch_id, "who": changed_by, "when": when, "current": current, "seen": seen},
        )
