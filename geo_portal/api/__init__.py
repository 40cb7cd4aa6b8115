"""REST API under /api/v1/ (DRF): address search endpoints, OpenAPI 3 schema and docs page. Public, throttled."""
