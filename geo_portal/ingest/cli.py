"""Helpers shared by importer management commands: progress bars, refusals as command errors, printing results."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import CommandError

from geo_portal.ingest.errors import Finding, ImportRefused


def count_lines(path: Path) -> int:
    """Number of lines in a file (fast, for a progress-bar total)."""
    with path.open("rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))


def progress_bar(*, total: int | None, desc: str, enabled: bool):
    """A wrapper that shows a tqdm progress bar over an iterator, or passes it through."""

    def wrap(items: Iterable) -> Iterator:
        if not enabled:
            return iter(items)
        from tqdm import tqdm  # only for a bar shown: every importer command loads this module (~0.03 s at start-up)

        return iter(tqdm(items, total=total, desc=desc, unit=" rows", mininterval=0.5, leave=False))

    return wrap


def print_findings(stdout, findings: list[Finding], *, limit: int = 20) -> None:
    """Print the first findings, one per line: row, level, field, reason."""
    for f in findings[:limit]:
        stdout.write(f"  row {f.row}: [{f.level}] {f.field}: {f.reason} ({f.value})")
    if len(findings) > limit:
        stdout.write(f"  … and {len(findings) - limit} more")


@contextmanager
def refusals_as_command_errors() -> Iterator[None]:
    """Turn an importer's ``ImportRefused`` into a ``CommandError`` (one line, exit status 1, no traceback)."""
    try:
        yield
    except ImportRefused as exc:
        raise CommandError(str(exc)) from None


def print_counts(stdout, counts: dict, findings: list[Finding] = ()) -> None:
    """One line of counts, then the first findings."""
    stdout.write(", ".join(f"{k} {v}" for k, v in counts.items()))
    print_findings(stdout, list(findings))
