"""Issue 16 §1: property-based requests generated from the public OpenAPI schema (schemathesis) against every
operation: no answer is a 5xx, and the stored plates are unchanged.

The schema is the one ``/api/v1/schema`` serves, built in process by drf-spectacular (no server, no network); the
requests go to the WSGI application, in the test's transaction. Bounded: ``MAX_EXAMPLES`` per operation.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings

from tests.fuzz.conftest import plates_fingerprint

MAX_EXAMPLES = 25

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = get_wsgi_application()


def operation_paths() -> set[str]:
    """Every path of the schema, as the URLconf's route (``{plate_id}`` → ``<…:plate_id>`` compared by shape)."""
    return set(schema.raw_schema["paths"])


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
    database=None,
)
def test_no_operation_answers_5xx_or_changes_plates(case, fuzz_data):
    before = plates_fingerprint()
    response = case.call()
    assert response.status_code < 500, f"{case.method} {case.formatted_path} → {response.status_code}: {response.text[:500]}"
    assert plates_fingerprint() == before
