"""The door-plate CSV import: presets, staging (pure row workers), set-based checks and the one merge.

The public face: ``import_doorplates`` (with ``ImportResult``, ``DEFAULT_RETIRE_LIMIT``, ``AFTER_IMPORT_TASKS``),
the CSV layouts ``PRESETS`` / ``FIELDS`` / ``Mapping``, and ``load_area_index`` / ``stage_rows`` /
``stage_rows_parallel``. Inside: ``services`` (the import), ``presets`` (layouts, staging columns, area index),
``staging`` (pure Python row workers) and ``sql`` (staging tables, checks, merge).

Names are resolved on first use (PEP 562): the ``forkserver`` workers import ``imports.staging``, which imports no
Django, and importing this package first must not pull in the models.
"""

from __future__ import annotations

import importlib
from typing import Any

_PUBLIC = {
    "AFTER_IMPORT_TASKS": "services",
    "DEFAULT_RETIRE_LIMIT": "services",
    "ImportResult": "services",
    "import_doorplates": "services",
    "PRESETS": "presets",
    "load_area_index": "presets",
    "FIELDS": "staging",
    "Mapping": "staging",
    "stage_rows": "staging",
    "stage_rows_parallel": "staging",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_PUBLIC[name]}"), name)
