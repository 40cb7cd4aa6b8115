"""Address search: forward geocoding with graded answers, type-ahead, reverse lookup by nearest plate, batch CSV.

The public face of the subpackage; the API, the public map, service points and the bench import from here.
``geocode`` (graded, see ``Grade``; places named without a number come back as ``PlaceMatch``), ``autocomplete``,
``reverse``, ``plate_card``, ``geocode_csv`` / ``geocode_csv_stream`` (CSV in → CSV out), ``service_url`` (the national
door-plate service that answers outside coverage link to). Inside: ``geocode``, ``autocomplete``, ``reverse``,
``batch``, ``english`` (MOI-format English addresses), ``named_places`` (landmarks, villages, 鄰, named areas),
``results`` (the typed answers and their one builder) and ``sql`` (reverse lookup, and the building of a geocoded plate
through the read view buildings declares).
"""

from geo_portal.addresses.grades import CONFIDENT_GRADES, Grade
from geo_portal.addresses.search.autocomplete import Suggestion, autocomplete
from geo_portal.addresses.search.batch import RESULT_COLUMNS, geocode_csv, geocode_csv_stream
from geo_portal.addresses.search.geocode import english_address, geocode, is_canonical, plate_card
from geo_portal.addresses.search.places import service_url
from geo_portal.addresses.search.results import (
    MAX_LIMIT,
    GeocodeResult,
    PlaceKind,
    PlaceMatch,
    PlateHit,
    ReverseResult,
)
from geo_portal.addresses.search.reverse import MAX_REVERSE_RADIUS_M, reverse

__all__ = [
    "CONFIDENT_GRADES",
    "MAX_LIMIT",
    "MAX_REVERSE_RADIUS_M",
    "RESULT_COLUMNS",
    "GeocodeResult",
    "Grade",
    "PlaceKind",
    "PlaceMatch",
    "PlateHit",
    "ReverseResult",
    "Suggestion",
    "autocomplete",
    "english_address",
    "geocode",
    "geocode_csv",
    "geocode_csv_stream",
    "is_canonical",
    "plate_card",
    "reverse",
    "service_url",
]
