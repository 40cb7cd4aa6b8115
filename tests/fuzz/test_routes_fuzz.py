"""Issue 16 §1: every public route is fuzzed. The OpenAPI operations are schemathesis's (``test_openapi_fuzz``); the
routes outside the schema (pages, cards, tiles, report forms, the status pages, the field apps' shells, sign-in
pages) get property-based requests here, from hypothesis strategies for their path parameters, query strings and
form fields. No answer may be a 5xx, and the stored plates stay as they were.

``test_every_public_route_is_fuzzed`` walks the whole URLconf: a route that answers an anonymous request with
anything but a refusal (sign-in redirect, 401, 403, 405) is public, and must be an operation of the schema or have a
generator below — a new public route without one fails the test.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.conftest import plates_fingerprint
from tests.fuzz.routes import Route, all_routes, sample_path
from tests.fuzz.test_openapi_fuzz import operation_paths

MAX_EXAMPLES = 30

text = st.text(max_size=60)
numberish = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["1_20.99", "１２０", "0x10", "", " 24.8 ", "1e400", "-0"]),
    text,
)
address = st.one_of(
    text,
    st.sampled_from(["光復路10000段1號", "光復路二段1號99999999999鄰", "新竹市東區光復路二段1號", "=1+1", "\x00", "\ud7ff"]),
)
upload = st.binary(max_size=2048).map(lambda data: ("photo.jpg", data))

# Route → (GET query fields, POST form fields), each a strategy. Fields the view reads, plus random ones.
GENERATORS: dict[str, tuple[dict[str, st.SearchStrategy], dict[str, st.SearchStrategy]] | None] = {
    "healthz": ({}, {}),
    "api/v1/schema": ({"format": st.sampled_from(["json", "yaml", "x"]), "lang": text}, {}),
    "api/v1/docs": ({}, {}),
    "batch/": ({}, {}),
    "admin/login/": ({"next": text}, {"username": text, "password": text, "next": text}),
    "admin/logout/": ({}, {"next": text}),
    "i18n/setlang/": (
        {"next": text, "language": text},
        {"language": st.sampled_from(["en", "zh-hant", "xx", ""]), "next": text},
    ),
    "reports/": (
        {},
        {
            "kind": st.sampled_from(["damaged", "missing", "other", "graffiti", ""]),
            "description": text,
            "contact": text,
            "plate": numberish,
            "lon": numberish,
            "lat": numberish,
            "keep_photo_location": st.sampled_from(["on", "1", "", "yes"]),
            "submission": text,
            "website": st.sampled_from(["", "spam"]),
        },
    ),
    "reports/status/": ({"reference": text}, {"reference": text}),
    "reports/status/<str:reference>": ({}, {}),
    "reissue/status/": ({"reference": text}, {"reference": text}),
    "staff/login/": ({"next": text}, {"username": text, "password": text}),
    "census/field/sw.js": ({}, {}),
    "census/field/manifest.webmanifest": ({}, {}),
    "": ({"q": address, "plate": numberish, "lang": text, "lon": numberish, "lat": numberish}, {}),
    "districts/": ({"district": text}, {}),
    "stats/": ({"district": text, "month": text}, {}),
    "stats/villages.csv": ({"district": text, "month": text}, {}),
    "stats/villages.geojson": ({"district": text, "month": text}, {}),
    "cards/<int:plate_id>": ({"lang": text}, {}),
    "roads/<int:road_id>": ({"side": text, "lane": text}, {}),
    "entrances/<int:plate_id>": ({}, {}),
    "tiles/<str:layer>/<int:z>/<int:x>/<int:y>.mvt": ({}, {}),
}
PATH_VALUES = {
    "int": st.integers(min_value=0, max_value=2**70),
    "str": st.text(min_size=1, max_size=40),
}
SPECIAL = {"layer": st.sampled_from(["plates", "buildings", "villages", "x"]), "z": st.integers(0, 30)}
REFUSALS = {401, 403, 405}


def _refused(response) -> bool:
    return response.status_code in REFUSALS or (response.status_code == 302 and "login" in response.get("Location", ""))


def _public(client: Client, route: Route) -> bool:
    path = sample_path(route)
    return not (_refused(client.get(path)) and _refused(client.post(path, {})))


@pytest.mark.django_db
def test_every_public_route_is_fuzzed(fuzz_data):
    client = Client()
    fuzzed = operation_paths() | {"/" + route for route in GENERATORS}
    unfuzzed = []
    for route in all_routes():
        covered = route.openapi_path() in fuzzed or "/" + route.route in fuzzed
        if not covered and _public(client, route):
            unfuzzed.append(route.route)
    assert unfuzzed == []
    # And every generator names a route that exists (a renamed route must not leave a generator behind).
    assert sorted(set(GENERATORS) - {r.route for r in all_routes()}) == []


def _request(route: Route):
    query, form = GENERATORS[route.route]
    params = {name: SPECIAL.get(name, PATH_VALUES[conv]) for conv, name in route.params}
    methods = ["GET"] + (["POST"] if form else [])
    return st.tuples(
        st.sampled_from(methods),
        st.fixed_dictionaries(params),
        st.fixed_dictionaries({}, optional=query),
        st.fixed_dictionaries({}, optional=form | ({"photo": upload} if route.route == "reports/" else {})),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("route", sorted(GENERATORS), ids=lambda r: r or "home")
def test_public_routes_answer_without_5xx_and_leave_plates_alone(route, fuzz_data):
    target = next(r for r in all_routes() if r.route == route)
    client = Client()
    before = plates_fingerprint()

    @given(_request(target))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    def check(request):
        method, params, query, form = request
        path = target.path({k: quote(str(v), safe="") for k, v in params.items()})
        if method == "GET":
            response = client.get(path, query)
        else:
            files = {k: _file(v) for k, v in form.items() if isinstance(v, tuple)}
            fields = {k: v for k, v in form.items() if not isinstance(v, tuple)}
            response = client.post(path, {**fields, **files})
        assert response.status_code < 500, f"{method} {path} {query or form} → {response.status_code}"

    check()
    assert plates_fingerprint() == before


def _file(value: tuple[str, bytes]):
    from django.core.files.uploadedfile import SimpleUploadedFile

    name, data = value
    return SimpleUploadedFile(name, data, content_type="image/jpeg")
