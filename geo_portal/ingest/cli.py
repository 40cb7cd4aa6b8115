"""Helpers shared by importer management commands: progress bars and printing findings."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from tqdm import tqdm

from geo_portal.ingest.errors import Finding


def count_lines(path: Path) -> int:
    """Number of lines in a file (fast, for a progress-bar total)."""
    with path.open("rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))


def progress_bar(*, total: int | None, desc: str, enabled: bool):
    """A wrapper that shows a tqdm progress bar over an iterator, or passes it through."""

    def wrap(items: Iterable) -> Iterator:
        if not enabled:
            return iter(items)
        return iter(tqdm(items, total=total, desc=desc, unit=" rows", mininterval=0.5, leave=False))

    return wrap


def print_findings(stdout, findings: list[Finding], *, limit: int = 20) -> None:
    """Print the first findings, one per line: row, level, field, reason."""
    for f in findings[:limit]:
        stdout.write(f"  row {f.row}: [{f.level}] {f.field}: {f.reason} ({f.value})")
    if len(findings) > limit:
        stdout.write(f"  … and {len(findings) - limit} more")
