"""The public columns of a door plate as SQL, shared by every bulk reader (analytics, exports).

Only fields that may leave the office: the address and its components, zip code, village, 鄰, lifecycle and
condition. Pure strings (no Django import), so ``geo_portal.analytics`` can load before Django is set up.
"""

# Name and type of each column of ``PUBLIC_PLATES_SELECT`` before the geometry (int64, int32, text, date).
PUBLIC_PLATE_COLUMNS = (
    "id:int64 address:text district_code:text road:text area:text lane:text alley:text number_prefix:text "
    "number:int32 sub_number:int32 number_suffix:int32 floor:int32 floor_unit:text floor_sub:int32 "
    "zip_code:text village_code:text village:text neighborhood:int32 status:text condition:text "
    "last_checked_on:date"
)

# ``{geometry}`` is the last column (the caller chooses its encoding); add WHERE and ORDER BY after it.
PUBLIC_PLATES_SELECT = """
SELECT p.id, p.address, d.code AS district_code, r.name AS road, p.area, p.lane, p.alley, p.number_prefix, p.number,
       p.sub_number, p.number_suffix, p.floor, p.floor_unit, p.floor_sub, p.zip_code, v.code AS village_code,
       v.name AS village, n.number AS neighborhood, p.status, p.condition, p.last_checked_on, {geometry}
FROM addresses_doorplate p
JOIN areas_district d ON d.id = p.district_id
LEFT JOIN areas_road r ON r.id = p.road_id
LEFT JOIN areas_village v ON v.id = p.village_id
LEFT JOIN areas_neighborhood_v n ON n.id = p.neighborhood_id"""
