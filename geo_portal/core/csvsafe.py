"""CSV cells that a spreadsheet will not run as formulas (CSV injection), and the rule that recovers the original.

Used by every CSV the platform writes from data others typed: batch geocoding results (``addresses.search.batch``)
and layer exports (``exports.writers``). As OWASP recommends, a cell that starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return gets a single quote in front, so Excel, LibreOffice and Google Sheets show it as text.
A cell that already starts with a single quote gets one too, so the rule is reversible without ambiguity:
**remove one leading single quote from any cell that starts with one** (``recover``). Plain numbers (-12.5, +3, 1e-3)
are left alone: they cannot be formulas, and longitudes, basement floors and differences must stay numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def neutralise(value: object) -> object:
    """The cell as written to a CSV: text starting with a trigger gets a leading single quote."""
    if isinstance(value, str) and value.startswith(TRIGGERS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralise_row(row: Iterable[object]) -> list[object]:
    return [neutralise(value) for value in row]


def recover(cell: str) -> str:
    """The original value of a cell written by ``neutralise``."""
    return cell[1:] if cell.startswith("'") else cell
