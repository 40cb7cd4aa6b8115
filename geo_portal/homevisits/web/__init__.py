"""The home-visit pages (staff: requests, plans, statistics) and the visit sheet's app and JSON API."""
