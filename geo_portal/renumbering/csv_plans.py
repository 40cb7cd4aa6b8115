"""A renumbering plan from a CSV of old → new addresses (the list a planning office hands over).

Columns (header required, UTF-8): ``old_address``, ``new_address`` and optionally ``new_village`` (a village name
of the district), ``new_neighborhood`` (鄰, a number) and ``new_lon``/``new_lat`` (a corrected point, WGS84 degrees;
without them the new plate keeps the old one's point). Addresses are read by the address parser in any form it
accepts; the old one must name exactly one active plate of the district (with its floor, if it is a unit plate).
Every row is checked and every problem is reported at once as ``row N.field: reason`` (the header is row 1); a
file with any problem drafts nothing. Called by the plan pages and tests.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _

from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.parsing import parse
from geo_portal.addresses.selectors import filter_by_components
from geo_portal.areas.models import District, Village
from geo_portal.core.geo import in_taiwan, to_storage
from geo_portal.renumbering.models import Plan
from geo_portal.renumbering.rules import NewAddress
from geo_portal.renumbering.selectors import old_plates
from geo_portal.renumbering.services import DRAFT_PERM, PlanRefused, _require, plan_draft

REQUIRED = ("old_address", "new_address")
OPTIONAL = ("new_village", "new_neighborhood", "new_lon", "new_lat")
MAX_ROWS = 20_000


def read_rows(data: bytes) -> tuple[list[dict[str, str]], dict[str, list[str]]]:
    """The CSV's rows (row number 2 onwards) or the problems of the file itself."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], {"file": [_("is not UTF-8 text (byte %(at)d): save it as a UTF-8 CSV") % {"at": exc.start}]}
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return [], {
            "file": [
                _("the header must have the columns %(cols)s (missing: %(missing)s)")
                % {"cols": ", ".join(REQUIRED), "missing": ", ".join(missing)}
            ]
        }
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    if unknown:
        return [], {"file": [_("unknown columns: %(cols)s") % {"cols": ", ".join(unknown)}]}
    rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]
    if not rows:
        return [], {"file": [_("has no rows below the header")]}
    if len(rows) > MAX_ROWS:
        return [], {"file": [_("has %(n)d rows; at most %(max)d per plan") % {"n": len(rows), "max": MAX_ROWS}]}
    return rows, {}


def _point(row: dict[str, str], n: int, fail) -> Point | None:
    """The corrected point of a row (EPSG:3826), or None when the row gives none; a half-given or bad one fails."""
    lon, lat = row.get("new_lon", ""), row.get("new_lat", "")
    if not lon and not lat:
        return None
    try:
        x, y = float(lon), float(lat)
    except ValueError:
        fail(
            n,
            "new_lon",
            _("give both new_lon and new_lat as decimal degrees (got %(lon)r, %(lat)r)") % {"lon": lon, "lat": lat},
        )
        return None
    if not in_taiwan(x, y):
        fail(n, "new_lon", _("(%(lon)s, %(lat)s) is outside Taiwan") % {"lon": lon, "lat": lat})
        return None
    return to_storage(Point(x, y, srid=4326))


def plan_draft_from_csv(
    *, actor: AbstractBaseUser, district: District, title: str, effective_date: dt.date, data: bytes
) -> Plan:
    """Draft a plan from the CSV's rows; PlanRefused naming every row, field and reason otherwise."""
    _require(actor, DRAFT_PERM, _("draft renumbering plans"))
    rows, errors = read_rows(data)
    if errors:
        raise PlanRefused(errors)
    district = District.objects.select_related("county").get(pk=district.pk)
    villages = {v.name: v.pk for v in Village.objects.filter(district=district)}
    found: list[tuple[int, NewAddress]] = []
    points: dict[int, Point] = {}
    seen: dict[int, int] = {}

    def fail(n: int, name: str, reason: str) -> None:
        errors.setdefault(f"row {n}.{name}", []).append(reason)

    for n, row in enumerate(rows, start=2):
        old_text, new_text = row.get("old_address", ""), row.get("new_address", "")
        if not old_text:
            fail(n, "old_address", _("is empty"))
        if not new_text:
            fail(n, "new_address", _("is empty"))
        if not old_text or not new_text:
            continue
        old = parse(old_text)
        if not old.ok or old.address.number is None:
            why = old.problems[0].reason if old.problems else _("no house number")
            fail(n, "old_address", _("%(text)s cannot be read: %(why)s") % {"text": old_text, "why": why})
        else:
            if old.address.district and old.address.district != district.name:
                fail(n, "old_address", _("%(text)s is not in %(district)s") % {"text": old_text, "district": district.name})
            matches = list(
                filter_by_components(DoorPlate.objects.active().filter(district=district), old.address).values_list(
                    "pk", flat=True
                )[:2]
            )
            if not matches:
                fail(n, "old_address", _("%(text)s is not an active door plate") % {"text": old_text})
            elif len(matches) > 1:
                fail(n, "old_address", _("%(text)s names more than one plate: add its 鄰") % {"text": old_text})
            elif matches[0] in seen:
                fail(n, "old_address", _("the plate is already in row %(row)d") % {"row": seen[matches[0]]})
            else:
                seen[matches[0]] = n
        new = parse(new_text)
        if not new.ok or new.address.number is None:
            why = new.problems[0].reason if new.problems else _("no house number")
            fail(n, "new_address", _("%(text)s cannot be read: %(why)s") % {"text": new_text, "why": why})
            continue
        if new.address.district and new.address.district != district.name:
            fail(n, "new_address", _("%(text)s is not in %(district)s") % {"text": new_text, "district": district.name})
        village_name = row.get("new_village", "") or new.address.village
        village_id = None
        if village_name:
            village_id = villages.get(village_name.replace("台", "臺"))
            if village_id is None:
                fail(
                    n,
                    "new_village",
                    _("%(name)s is not a village of %(district)s") % {"name": village_name, "district": district.name},
                )
        hood = new.address.neighborhood
        if row.get("new_neighborhood"):
            text = row["new_neighborhood"].removesuffix("鄰")
            if not text.isdigit() or int(text) < 1:
                fail(
                    n,
                    "new_neighborhood",
                    _("must be a whole number of at least 1 (got %(value)r)") % {"value": row["new_neighborhood"]},
                )
            else:
                hood = int(text)
        point = _point(row, n, fail)
        if old.ok and len(matches) == 1:
            if point is not None:
                points[matches[0]] = point
            a = new.address
            found.append(
                (
                    matches[0],
                    NewAddress(
                        road_name=a.road_section if a.road else "",
                        area=a.area,
                        lane=a.lane,
                        alley=a.alley,
                        number_prefix=a.number_prefix,
                        number=a.number,
                        sub_number=a.sub_number,
                        number_suffix=a.number_suffix,
                        floor=a.floor,
                        floor_unit=a.floor_unit,
                        floor_sub=a.floor_sub,
                        village_id=village_id,
                        neighborhood=hood,
                    ),
                )
            )
    if errors:
        raise PlanRefused(errors)
    plates = {p.id: p for p in old_plates(district_id=district.pk, plate_ids=[pk for pk, _new in found])}
    pairs = []
    for pk, new in found:
        old = plates[pk]
        # A row without village or 鄰 keeps the plate's own.
        village = new.village_id if new.village_id is not None else old.village_id
        hood = new.neighborhood if new.neighborhood is not None else old.neighborhood
        pairs.append((old, NewAddress(**{**new.__dict__, "village_id": village, "neighborhood": hood})))
    return plan_draft(
        actor=actor,
        district=district,
        kind=Plan.Kind.CSV,
        title=title,
        effective_date=effective_date,
        pairs=pairs,
        parameters={"rows": len(pairs)},
        points=points,
    )
