"""Folium maps for the notebooks that render offline: Leaflet comes from django-leaflet's static files, inlined.

Folium loads Leaflet, jQuery and Bootstrap from CDNs by default; a notebook opened without internet (or in
CI) would show an empty frame. These maps carry Leaflet inline and need nothing else: colours are computed
here and the legend is plain HTML (no branca colormap, which loads d3 from a CDN).
"""

from __future__ import annotations

import base64
from functools import cache
from importlib import resources

import folium
import geopandas as gpd
import numpy as np

BLUES = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")  # ColorBrewer Blues, 5 classes
NO_DATA = "#d9d9d9"


@cache
def _data_url(name: str, mime: str) -> str:
    content = (resources.files("leaflet") / "static" / "leaflet" / name).read_bytes()
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"


def offline_map(frame: gpd.GeoDataFrame, *, tiles: str | None = None) -> folium.Map:
    """An empty Folium map fitted to ``frame``, with Leaflet inlined; a basemap only when ``tiles`` is given."""
    wgs84 = frame.to_crs(4326)
    west, south, east, north = wgs84.total_bounds
    fmap = folium.Map(tiles=tiles, control_scale=True)
    fmap.default_js = [("leaflet", _data_url("leaflet.js", "text/javascript"))]
    fmap.default_css = [("leaflet_css", _data_url("leaflet.css", "text/css"))]
    fmap.fit_bounds([[south, west], [north, east]])
    return fmap


def class_breaks(values, classes: int = 5) -> list[float]:
    """Quantile class breaks (the inner edges) of the non-missing values."""
    present = np.asarray([v for v in values if v is not None and not np.isnan(v)], dtype="float64")
    if present.size == 0:
        return []
    return [float(np.quantile(present, k / classes)) for k in range(1, classes)]


def _legend(title: str, breaks: list[float], fmt: str) -> folium.Element:
    edges = [None, *breaks]
    rows = []
    for i, low in enumerate(edges):
        high = breaks[i] if i < len(breaks) else None
        text = f"< {high:{fmt}}" if low is None else (f"≥ {low:{fmt}}" if high is None else f"{low:{fmt}} – {high:{fmt}}")
        rows.append(f'<div><span style="background:{BLUES[i]}" class="sw"></span> {text}</div>')
    rows.append(f'<div><span style="background:{NO_DATA}" class="sw"></span> no data / suppressed</div>')
    return folium.Element(
        "<style>.gp-legend{position:absolute;bottom:24px;right:10px;z-index:1000;background:#fff;padding:6px 8px;"
        "font:12px sans-serif;border:1px solid #999}.gp-legend .sw{display:inline-block;width:14px;height:14px;"
        f'border:1px solid #333;vertical-align:middle}}</style><div class="gp-legend"><b>{title}</b>{"".join(rows)}</div>'
    )


def choropleth(
    frame: gpd.GeoDataFrame, column: str, *, title: str, tooltip: list[str], fmt: str = ",.0f", tiles: str | None = None
) -> folium.Map:
    """Polygons coloured by quantile class of ``column`` (missing values grey), with tooltips and a legend."""
    breaks = class_breaks(frame[column].tolist())
    fmap = offline_map(frame, tiles=tiles)
    data = frame[[*dict.fromkeys([*tooltip, column]), frame.geometry.name]].to_crs(4326)

    def style(feature):
        value = feature["properties"][column]
        colour = NO_DATA if value is None else BLUES[sum(value >= b for b in breaks)]
        return {"fillColor": colour, "color": "#333", "weight": 1, "fillOpacity": 0.8}

    folium.GeoJson(data, style_function=style, tooltip=folium.GeoJsonTooltip(fields=tooltip)).add_to(fmap)
    fmap.get_root().html.add_child(_legend(title, breaks, fmt))
    return fmap


def points(fmap: folium.Map, frame: gpd.GeoDataFrame, *, colour: str, tooltip: list[str], radius: int = 4) -> folium.Map:
    """Add ``frame``'s points (or line midpoints) as circle markers with tooltips."""
    data = frame[[*tooltip, frame.geometry.name]].to_crs(4326)
    data[data.geometry.name] = data.geometry.representative_point()
    folium.GeoJson(
        data,
        marker=folium.CircleMarker(radius=radius, color=colour, fill=True, fill_opacity=0.8, weight=1),
        tooltip=folium.GeoJsonTooltip(fields=tooltip),
    ).add_to(fmap)
    return fmap
