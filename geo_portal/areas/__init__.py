"""Administrative areas (county, district, village 村里, neighbourhood 鄰) and roads (街路段)."""
