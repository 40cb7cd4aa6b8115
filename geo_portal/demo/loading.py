"""Loading a whole data set through the normal importers: the real 東區 data or a generated district.

Used by ``demo_setup`` (make demo), ``generate_demo --load``, the tests and the bench. Each step is an
ordinary importer service, so the demo exercises exactly what an office would run.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from geo_portal.addresses.imports import import_doorplates
from geo_portal.addresses.zipcodes import assign_zip_codes, import_zip_rules
from geo_portal.areas.population import import_population
from geo_portal.areas.services import import_road_names, load_boundaries, load_village_table
from geo_portal.buildings.services import BuildingFields, import_buildings
from geo_portal.demo.generator import DISTRICT_CODE

REAL = {
    "villages": "boundaries/hsinchu_city_villages_moi_nlsc_20230928_attributes.csv",
    "districts": "boundaries/hsinchu_city_towns_pdmaptw_2023.geojson",
    "village_boundaries": "boundaries/DERIVED_hsinchu_east_villages_from_stat_areas.geojson",
    "doorplates": "doorplates/hsinchu_east_doorplates_2026-06.csv",
    "road_names": "streets/road_names_zh_en_CE_Rd_St_H_12011_national.csv",
    "buildings": "buildings/nycu_guangfu_osm_buildings.geojson",
    "zip_rules": "zipcode/chp_zip33_2102_01_national.csv",
    "households": "population/hccg_RRRP03310_village_households_population_11506.csv",
    "ages": "population/hccg_RRRP03360_village_population_by_age_11506.csv",
}


def real_data_dir() -> Path:
    return Path(settings.SHARED_DATA_DIR)


def real_data_available() -> bool:
    return all((real_data_dir() / rel).is_file() for rel in REAL.values())


def load_real(*, report_dir: Path | None = None, log=print) -> dict[str, dict]:
    """Load the real Hsinchu East District data set, step by step."""
    base = real_data_dir()
    out: dict[str, dict] = {}
    out["villages"] = load_village_table(path=base / REAL["villages"]).counts
    log(f"villages: {out['villages']}")
    out["districts"] = load_boundaries(path=base / REAL["districts"], level="district", code_field="TOWNCODE").counts
    out["village_boundaries"] = load_boundaries(
        path=base / REAL["village_boundaries"], level="village", code_field="VILLCODE"
    ).counts
    log(f"boundaries: {out['districts']} / {out['village_boundaries']}")
    result = import_doorplates(path=base / REAL["doorplates"], preset="tw-address-data", report_dir=report_dir)
    out["doorplates"] = result.counts
    log(f"door plates: {result.counts} (report {result.report_path})")
    out["road_names"] = import_road_names(path=base / REAL["road_names"]).counts
    out["zip_rules"] = import_zip_rules(path=base / REAL["zip_rules"]).counts
    out["zip_codes"] = assign_zip_codes().counts
    log(f"zip codes: {out['zip_codes']}")
    out["population"] = import_population(households_path=base / REAL["households"], ages_path=base / REAL["ages"]).counts
    log(f"population: {out['population']}")
    fields = BuildingFields(id="osm_id", name="name", floors="building:levels")
    out["buildings"] = import_buildings(path=base / REAL["buildings"], source="osm", fields=fields).counts
    log(f"buildings: {out['buildings']}")
    return out


def load_generated(directory: Path, *, report_dir: Path | None = None, log=print, progress=None) -> dict[str, dict]:
    """Load the files written by ``generator.generate`` from ``directory``."""
    out: dict[str, dict] = {}
    out["villages"] = load_village_table(path=directory / "villages.csv").counts
    out["village_boundaries"] = load_boundaries(
        path=directory / "villages.geojson", level="village", code_field="VILLCODE"
    ).counts
    result = import_doorplates(
        path=directory / "doorplates.csv",
        preset="geo-portal",
        srid=3826,
        district=DISTRICT_CODE,
        report_dir=report_dir,
        progress=progress,
    )
    out["doorplates"] = result.counts
    log(f"door plates: {result.counts}")
    out["buildings"] = import_buildings(
        path=directory / "buildings.csv", source="demo", fields=BuildingFields(id="id", floors="floors"), srid=3826
    ).counts
    log(f"buildings: {out['buildings']}")
    return out
