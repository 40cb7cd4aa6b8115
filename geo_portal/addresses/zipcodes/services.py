"""Zip-code write services: import Chunghwa Post 3+3 rules, assign a 3+3 code to every active plate.

Called by ``import_zip_rules`` / ``assign_zip_codes`` commands and ``demo_setup``; after each door-plate import
the job ``addresses.assign_imported_zip_codes`` assigns codes to the new and changed plates only. The rule
language is read by ``rules``; rules are stored verbatim so a later door-plate import can be assigned without
the file.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Q

from geo_portal.addresses.models import DoorPlate, ZipCodeRule
from geo_portal.addresses.zipcodes.rules import ZipRule, find_zip, parse_scope
from geo_portal.changes.context import Cause, change_context
from geo_portal.core.db import copy_rows
from geo_portal.core.numerals import int_to_cn
from geo_portal.ingest.csvio import read_csv
from geo_portal.ingest.errors import Finding, ImportRefused

COLUMNS = ("ZIPCODE", "CITY", "AREA", "ROAD", "SCOOP")
_ZIP33 = re.compile(r"^\d{6}$")
_SECTION_DIGITS = re.compile(r"(\d+)段")
BATCH = 50_000
ZIP_ACTOR = "system: 3+3 zip rules"


@dataclass
class ZipResult:
    counts: dict[str, int]
    findings: list[Finding] = field(default_factory=list)


def _road_name(raw: str) -> str:
    """Road as the rule file writes it, in the platform's canonical form (臺, 二段 not 2段)."""
    text = unicodedata.normalize("NFKC", raw).replace("台", "臺").strip()
    return _SECTION_DIGITS.sub(lambda m: f"{int_to_cn(int(m.group(1)))}段", text)


@transaction.atomic
def import_zip_rules(*, path: Path, encoding: str = "utf-8") -> ZipResult:
    """Replace the stored rules with those of a 3+3 file (ZIPCODE,CITY,AREA,ROAD,SCOOP); all-or-nothing."""
    header, rows = read_csv(path, encoding=encoding, required=COLUMNS)
    col = {name: header.index(name) for name in COLUMNS}
    findings: list[Finding] = []

    def valid_rows():
        for line, fields in rows:
            get = {name: fields[i] if i < len(fields) else "" for name, i in col.items()}
            if not _ZIP33.match(get["ZIPCODE"].strip()):
                findings.append(Finding(line, "ZIPCODE", get["ZIPCODE"], "not a 6-digit 3+3 zip code"))
                continue
            try:
                parse_scope(get["ZIPCODE"], get["ROAD"], get["SCOOP"], line)
            except ValueError as exc:
                findings.append(Finding(line, "SCOOP", get["SCOOP"].strip(), str(exc)))
                continue
            yield (
                get["ZIPCODE"].strip(),
                get["CITY"].strip().replace("台", "臺"),
                get["AREA"].strip(),
                _road_name(get["ROAD"]),
                get["SCOOP"],
                line,
                path.name[:200],
            )

    ZipCodeRule.objects.all().delete()
    stored = copy_rows(
        "addresses_zipcoderule", ("zip_code", "county", "district", "road", "scope", "position", "source"), valid_rows()
    )
    if stored == 0:
        raise ImportRefused(f"{path.name}: no readable rules; nothing was imported")
    return ZipResult({"rules": stored, "rejected": len(findings)}, findings)


def _rules_by_road(areas: list[tuple[str, str]] | None = None) -> dict[tuple[str, str, str], list[ZipRule]]:
    """The stored rules by (county, district, road); only those of the given (county, district) pairs if given."""
    rules: dict[tuple[str, str, str], list[ZipRule]] = defaultdict(list)
    stored = ZipCodeRule.objects.all()
    if areas is not None:
        stored = stored.filter(reduce(or_, (Q(county=c, district=d) for c, d in areas), Q(pk__in=[])))
    for r in stored.iterator(chunk_size=10_000):
        rules[(r.county, r.district, r.road)].append(parse_scope(r.zip_code, r.road, r.scope, r.position))
    return rules


@transaction.atomic
def assign_zip_codes(*, since_batch_id: int | None = None) -> ZipResult:
    """Set ``zip_code`` on active plates from the stored rules; plates no rule covers are reported.

    Every active plate by default; with ``since_batch_id``, only plates without a code and plates that door-plate
    batches ``since_batch_id`` and later added or changed (the import's merge stamps them with its batch id).
    """
    findings: list[Finding] = []
    scope = DoorPlate.objects.active()
    areas = None
    if since_batch_id is not None:
        scope = scope.filter(Q(zip_code="") | Q(source_batch_id__gte=since_batch_id))
        # Parsing all of Taiwan's ~78,000 rules takes seconds: only those of the districts in scope.
        areas = list(scope.values_list("district__county__name", "district__name").distinct().order_by())
    rules = _rules_by_road(areas)
    plates = scope.values_list(
        "pk",
        "district__county__name",
        "district__name",
        "road__name",
        "area",
        "lane",
        "alley",
        "number",
        "sub_number",
        "floor",
        "address",
    )

    def assign(rows) -> list[tuple[int, str]]:
        out = []
        for pk, county, district, road, area, lane, alley, number, sub, floor, address in rows:
            candidates = rules.get((county, district, (road or "") + area)) or rules.get((county, district, road or area))
            rule = (
                find_zip(candidates, lane=lane, alley=alley, number=number, sub_number=sub, floor=floor)
                if candidates
                else None
            )
            if rule is None:
                reason = "no rule for this road" if not candidates else "no rule covers this number"
                findings.append(Finding(pk, "address", address, reason, "warning"))
            out.append((pk, rule.zip_code if rule else ""))
        return out

    total = changed = 0
    last_pk = 0
    with connection.cursor() as cur:
        cur.execute(
            "DROP TABLE IF EXISTS pg_temp.zip_assign; CREATE TEMP TABLE zip_assign (id bigint, zip text) ON COMMIT DROP"
        )
        # Batches by primary key: a COPY cannot run while a server-side cursor is being read on the same connection.
        while batch := list(plates.filter(pk__gt=last_pk).order_by("pk")[:BATCH]):
            last_pk = batch[-1][0]
            total += copy_rows("zip_assign", ("id", "zip"), assign(batch))
        # On the write path like every plate write: a new version, who changed it, and a change-log cause.
        with change_context(actor=ZIP_ACTOR, cause=Cause.SYSTEM, ref="zip_codes"):
            cur.execute(
                "UPDATE addresses_doorplate p SET zip_code = z.zip, version = p.version + 1, updated_by = %s, "
                "updated_at = now() FROM zip_assign z WHERE p.id = z.id AND p.zip_code IS DISTINCT FROM z.zip",
                [ZIP_ACTOR],
            )
            changed = cur.rowcount
    uncovered = len(findings)
    return ZipResult({"plates": total, "assigned": total - uncovered, "uncovered": uncovered, "changed": changed}, findings)
