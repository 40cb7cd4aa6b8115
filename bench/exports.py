"""Export throughput: one layer written in every format to a temporary directory, timed (called by ``make bench``)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from geo_portal.core.geo import STORAGE_SRID
from geo_portal.exports.layers import FORMATS
from geo_portal.exports.writers import write_file


def benchmark(layer: str = "plates", *, srid: int = STORAGE_SRID) -> list[dict]:
    """Per format: rows, seconds, rows per second and file size in bytes, in ``FORMATS`` order."""
    results = []
    with tempfile.TemporaryDirectory(prefix="geo_portal_export_bench_") as tmp:
        for fmt in FORMATS.values():
            result = write_file(layer, fmt.name, Path(tmp) / f"{layer}.{fmt.extension}", srid=srid)
            results.append(
                {
                    "layer": layer,
                    "format": fmt.name,
                    "srid": srid,
                    "rows": result.rows,
                    "seconds": round(result.seconds, 3),
                    "rows_per_s": round(result.rows / max(result.seconds, 1e-9)),
                    "bytes": result.bytes,
                }
            )
    return results
