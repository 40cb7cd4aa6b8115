"""Typed answers of the address search (geocode, reverse), shared by ``geocode``, ``reverse`` and ``batch``."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_LIMIT = 50  # most hits any search answer returns


@dataclass(frozen=True)
class PlateHit:
    """One plate in an answer, with public fields only."""

    plate_id: int | None
    address: str
    address_en: str
    address_en_is_pinyin: bool  # the road's English name is a Hanyu Pinyin fallback, not the official table
    zip_code: str
    village: str
    neighborhood: int | None
    lon: float
    lat: float
    x: float
    y: float
    building_id: int | None
    distance_m: float | None = None


@dataclass(frozen=True)
class GeocodeResult:
    query: str
    grade: str
    hits: list[PlateHit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReverseResult:
    hits: list[PlateHit]
    village: str
    village_code: str
    building_id: int | None
