"""Public views: thin, read-only, public fields only."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from geo_portal.publicmap.selectors import district_summaries


def home(request: HttpRequest) -> HttpResponse:
    """The loaded districts with their counts of villages, roads, plates and buildings."""
    return render(request, "publicmap/home.html", {"districts": district_summaries()})
