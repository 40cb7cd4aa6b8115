"""The Content-Security-Policy middleware: the page policy for documents, a constant strict one for data."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from geo_portal.core.middleware import DATA_POLICY, ContentSecurityPolicyMiddleware


def policy_for(path: str, response: HttpResponse) -> str:
    middleware = ContentSecurityPolicyMiddleware(lambda request: response)
    request = RequestFactory().get(path)
    middleware.process_request(request)
    return middleware.process_response(request, response)["Content-Security-Policy"]


@pytest.mark.parametrize(
    "response",
    [
        HttpResponse("<p>x</p>"),
        HttpResponse(status=304),  # a revalidated page: the browser merges these headers into the stored page
        HttpResponse("<svg/>", content_type="image/svg+xml"),
    ],
    ids=["page", "page-304", "svg"],
)
def test_documents_get_the_page_policy(response):
    policy = policy_for("/", response).split("; ")
    assert {"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"} <= set(policy)


@pytest.mark.parametrize(
    "content_type",
    ["application/vnd.mapbox-vector-tile", "application/json", "text/csv; charset=utf-8", "text/plain; charset=utf-8"],
)
def test_data_responses_get_the_constant_strict_policy(content_type):
    assert policy_for("/tiles/plates/18/1/1.mvt", HttpResponse(b"x", content_type=content_type)) == DATA_POLICY
    assert DATA_POLICY == "default-src 'none'; frame-ancestors 'none'"


def test_admin_pages_keep_their_relaxed_policy():
    policy = policy_for("/admin/", HttpResponse("<p>x</p>")).split("; ")
    assert "script-src 'self' 'unsafe-inline'" in policy and "style-src 'self' 'unsafe-inline'" in policy
