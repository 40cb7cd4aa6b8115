"""Errors and row-level findings shared by the importers."""

from __future__ import annotations

from dataclasses import dataclass


class ImportRefused(Exception):
    """The whole input is refused (wrong encoding, missing columns, too many retirements…); nothing changed."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One row-level finding: a rejection (the row is not loaded) or a warning (loaded, but worth a look)."""

    row: int
    field: str
    value: str
    reason: str
    level: str = "rejected"  # or "warning"
