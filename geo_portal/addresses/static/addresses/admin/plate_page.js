/* Door-plate admin page: the location map shows the neighbouring entrances (their house numbers; a click opens
 * their page) around the plate, at street level; on the add page, choosing the district reloads the form so that
 * the roads and villages offered are the district's. Data comes from the #plate-map JSON (no inline script). */
(function () {
  "use strict";
  window.addEventListener("map:init", (event) => {
    const data = document.getElementById("plate-map");
    if (!data) return;
    const info = JSON.parse(data.textContent);
    const map = event.detail.map;
    map.maxZoom = 18; // django-leaflet's form field fits the plate at this zoom (15 otherwise)
    const layer = L.layerGroup().addTo(map);
    const markers = info.neighbours.map((n) =>
      L.circleMarker([n.lat, n.lon], { radius: 5, color: "#ffffff", weight: 1, fillColor: "#c62828", fillOpacity: 1, className: "neighbour" })
        .bindTooltip(n.label, { permanent: true, direction: "right", offset: [6, 0], className: "neighbour-label" })
        .on("click", () => window.location.assign(n.url))
        .addTo(layer),
    );
    /* Name the nearest entrances first and skip a name that would cover one already placed (or the plate's own,
     * above its pin): the labels never pile up, whatever the zoom. */
    function placeLabels() {
      const placed = [];
      const own = document.querySelector(".plate-label");
      if (own) placed.push(own.getBoundingClientRect());
      const pin = document.querySelector(".leaflet-marker-icon");
      if (pin) placed.push(pin.getBoundingClientRect());
      markers.forEach((marker) => {
        marker.openTooltip();
        const element = marker.getTooltip().getElement();
        const box = element ? element.getBoundingClientRect() : null;
        const free = box && map.getZoom() >= 17 && !placed.some((b) => box.left < b.right && b.left < box.right && box.top < b.bottom && b.top < box.bottom);
        if (free) placed.push(box);
        else marker.closeTooltip();
      });
    }
    map.on("zoomend moveend", placeLabels);
    window.geoPortalAdminMap = map; // for the browser tests
    // Once the widget has drawn the plate: centre on it at street level, and name it.
    map.on("map:loadfield", () => setTimeout(() => {
      const field = document.getElementById("id_geom");
      let point = null;
      try {
        const geometry = JSON.parse(field.value);
        if (geometry && geometry.type === "Point") point = [geometry.coordinates[1], geometry.coordinates[0]];
      } catch (err) {
        point = null;
      }
      if (!point) return;
      map.setView(point, 18);
      L.tooltip({ permanent: true, direction: "top", offset: [0, -30], className: "plate-label" })
        .setLatLng(point)
        .setContent(info.plate.label)
        .addTo(map);
      placeLabels();
    }, 0));
  });

  document.addEventListener("DOMContentLoaded", () => {
    const district = document.getElementById("id_district");
    if (!district || document.getElementById("id_seen_version")) return; // the add page only
    district.addEventListener("change", () => {
      const url = new URL(window.location.href);
      url.searchParams.set("district", district.value);
      window.location.assign(url.toString());
    });
  });
})();
