"""The API docs say what is true: public endpoints need no sign-in, and the grades are explained."""

from __future__ import annotations

import pytest
from django.urls import path
from drf_spectacular.generators import SchemaGenerator
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    response = client.get("/api/v1/schema?format=json")
    assert response.status_code == 200
    return response.json()


def test_public_endpoints_carry_no_security_requirement(schema):
    operations = [(path, method, op) for path, ops in schema["paths"].items() for method, op in ops.items()]
    assert len(operations) == 12  # geocode, batch, the three batch-job operations, reverse, plates, …
    assert [(path, method) for path, method, op in operations if "security" in op] == []
    assert "securitySchemes" not in schema.get("components", {})  # so Swagger UI shows no padlock and no Authorize
    assert "Every endpoint is public: no sign-in and no key" in schema["info"]["description"]


def test_grades_are_explained(schema):
    grade = schema["components"]["schemas"]["GradeEnum"]
    assert grade["enum"] == ["exact", "normalised", "fuzzy", "base", "interpolated", "none"]
    lines = grade["description"].splitlines()
    assert lines[0] == "* `exact` - the plate whose canonical address was typed, character for character (confident)"
    assert lines[4].startswith("* `interpolated` - the number does not exist; an approximate position between")
    for line in lines:
        code, meaning = line.removeprefix("* `").split("` - ")
        assert meaning != code and len(meaning) > 40  # never "exact - exact"
    field = schema["components"]["schemas"]["GeocodeResult"]["properties"]["grade"]
    assert field["description"].startswith("How the answer was found, best first. Only exact, normalised and fuzzy")


def test_an_endpoint_with_a_permission_keeps_its_padlock():
    """The schema class leaves security out only where anyone may call: a protected view keeps its scheme."""

    class Private(APIView):
        permission_classes = [IsAuthenticated]

        def get(self, request):
            return Response({})

    generated = SchemaGenerator(patterns=[path("private", Private.as_view())]).get_schema(request=None, public=True)
    assert generated["paths"]["/private"]["get"]["security"] == [{"cookieAuth": []}]
