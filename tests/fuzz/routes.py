"""The URLconf as a list of routes, and sample paths for them: what the route-coverage test and the fuzzer walk."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


@dataclass(frozen=True)
class Route:
    route: str  # as the URLconf writes it, without the leading slash: "cards/<int:plate_id>"
    name: str  # namespace:name

    @property
    def params(self) -> list[tuple[str, str]]:
        """(converter, name) of each path parameter."""
        return [(conv or "str", name) for conv, name in _CONVERTER.findall(self.route)]

    def path(self, values: dict[str, object]) -> str:
        return "/" + _CONVERTER.sub(lambda m: str(values[m.group(2)]), self.route)

    def openapi_path(self) -> str:
        return "/" + _CONVERTER.sub(lambda m: "{" + m.group(2) + "}", self.route)


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            yield Route(prefix + str(pattern.pattern), f"{namespace}{pattern.name or ''}")


def all_routes() -> list[Route]:
    """Every route of the URLconf, the admin's included."""
    return list(_walk(get_resolver().url_patterns))


def sample_path(route: Route) -> str:
    """The route with simple values: 1 for numbers, "x" for text."""
    return route.path({name: (1 if conv == "int" else "x") for conv, name in route.params})
