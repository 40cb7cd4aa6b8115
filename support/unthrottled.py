"""Environment for a server that the benchmarks load on purpose: every throttle family far above the load.

The throttles count per family (core.throttling, settings ``GEO_PORTAL_THROTTLE_*``); a benchmark that sends
thousands of requests from one address must not measure 429 answers.
"""

from __future__ import annotations

FAMILIES = ("ANON", "USER", "GEOCODE", "AUTOCOMPLETE", "REVERSE", "PLATES", "TILES", "PAGES", "EXPORTS")

UNTHROTTLED_ENV: dict[str, str] = {f"GEO_PORTAL_THROTTLE_{family}": "1000000/minute" for family in FAMILIES}
