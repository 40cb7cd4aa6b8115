"""Locating service points with the platform's own geocoder, and loading the office's list from a CSV file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone

from geo_portal.addresses.grades import Grade
from geo_portal.core.geo import STORAGE_SRID
from geo_portal.ingest.csvio import read_csv
from geo_portal.ingest.errors import ImportRefused
from geo_portal.offices.models import ServicePoint

# Grades precise enough to measure distances from: the plate itself, or its entrance.
ACCEPTED_GRADES = tuple(grade for grade in Grade if grade != Grade.NONE)
COLUMNS = ("name", "name_en", "kind", "address")


@dataclass(frozen=True)
class Located:
    grade: Grade
    note: str


def locate(point: ServicePoint) -> Located:
    """Geocode the point's address and store the position (no position when the address is not found)."""
    # Imported here: the admin imports this module at every start-up (autodiscovery), and the search package is the
    # largest part of it that a management command such as the monthly re-import never uses (~50 ms).
    from geo_portal.addresses.search import geocode

    result = geocode(point.address, limit=1)
    if result.hits and result.grade in ACCEPTED_GRADES:
        hit = result.hits[0]
        point.location = Point(hit.x, hit.y, srid=STORAGE_SRID)
        point.plate_id = hit.plate_id
        note = "; ".join(result.notes)
    else:
        point.location = None
        point.plate_id = None
        suggestions = ", ".join(result.suggestions[:3])
        note = "address not found" + (f" (did you mean {suggestions}?)" if suggestions else "")
    point.geocode_grade = result.grade
    point.geocode_note = note[:300]
    point.located_at = timezone.now()
    return Located(result.grade, note)


def load_service_points(path: Path) -> dict[str, int]:
    """Replace-or-add service points from a CSV (name, name_en, kind, address); all-or-nothing.

    Every row must name a known kind and an address the geocoder finds; otherwise nothing is stored and the
    error names the line, the field and the reason.
    """
    header, rows = read_csv(path, required=COLUMNS)
    index = {column: header.index(column) for column in COLUMNS}
    problems, points = [], []
    kinds = set(ServicePoint.Kind.values)
    for line, fields in rows:
        row = {column: fields[i] if i < len(fields) else "" for column, i in index.items()}
        name, kind, address = row["name"].strip(), row["kind"].strip(), row["address"].strip()
        if not name:
            problems.append(f"line {line}: name: empty")
            continue
        if kind not in kinds:
            problems.append(f"line {line}: kind: {kind!r} is not one of {', '.join(sorted(kinds))}")
            continue
        point = ServicePoint.objects.filter(name=name).first() or ServicePoint(name=name)
        point.name_en, point.kind, point.address, point.active = row["name_en"].strip(), kind, address, True
        located = locate(point)
        if point.location is None:
            problems.append(f"line {line}: address: {address!r}: {located.note}")
        points.append(point)
    if problems:
        raise ImportRefused(f"{path.name}: nothing stored; " + "; ".join(problems))
    with transaction.atomic():
        created = sum(point.pk is None for point in points)
        for point in points:
            point.save()
    return {"created": created, "updated": len(points) - created}
