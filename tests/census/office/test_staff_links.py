"""The staff home page links the census pages per role, with the counts of census work waiting."""

from __future__ import annotations

import re

import pytest

from geo_portal.census.review import finding_accept
from tests.accounts.factories import PASSWORD

pytestmark = pytest.mark.django_db


def links(html: str, section: str) -> list[tuple[str, str]]:
    block = re.search(rf'<section class="staff-section" id="{section}".*?</section>', html, re.S).group(0)
    return [
        (label, count or "")
        for label, count in re.findall(
            r'<li><a href="[^"]*">([^<]+)</a>(?: <span class="staff-count">([^<]+)</span>)?</li>', block
        )
    ]


def test_census_links_for_surveyors_supervisors_and_clerks(client, submitted, staff):
    """Submitted tasks and conflicts waiting (tests/census/office: one task with one conflict) and open proposals."""
    finding_accept(finding_id=submitted["f5"].pk, user=staff["supervisor2"])  # an unregistered plate → a proposal
    assert client.login(username="sup1", password=PASSWORD)
    html = client.get("/staff/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert links(html, "role-census_supervisor") == [
        ("Census campaigns", ""),
        ("Submitted census tasks", "1 waiting"),
        ("Census conflicts", "1 waiting"),
        ("Public door-plate map", ""),
        ("Population statistics", ""),
    ]
    assert 'href="/census/tasks/submitted/"' in html and 'href="/census/conflicts/"' in html
    assert client.login(username="sur1", password=PASSWORD)
    html = client.get("/staff/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert links(html, "role-surveyor") == [("Census field app", ""), ("Public door-plate map", "")]
    assert 'href="/census/field/"' in html
    assert client.login(username="clerk1", password=PASSWORD)
    html = client.get("/staff/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ("Census plate proposals", "1 waiting") in links(html, "role-clerk")
    assert 'href="/census/proposals/"' in html
