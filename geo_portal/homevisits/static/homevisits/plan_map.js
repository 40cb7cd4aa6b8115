/* The plan page's map: the office and the stops in visiting order joined by straight lines, without a basemap
 * (no tile server is needed and nothing leaves the office's network). Data from the page's JSON script. */
(function () {
  "use strict";
  const geo = JSON.parse(document.getElementById("plan-geo").textContent);
  const map = L.map("plan-map", { attributionControl: false });
  const office = [geo.office[1], geo.office[0]];
  const stops = geo.stops.map((s) => [s[2], s[1]]);
  const group = L.featureGroup().addTo(map);
  L.polyline([office, ...stops, office], { color: "#0b3d5c", weight: 3 }).addTo(group);
  L.circleMarker(office, { radius: 9, color: "#000", fillColor: "#fff", fillOpacity: 1 })
    .bindTooltip("⌂", { permanent: true, direction: "top" })
    .addTo(group);
  geo.stops.forEach((s, i) => {
    L.circleMarker(stops[i], { radius: 8, color: "#0b3d5c", fillColor: "#ffd166", fillOpacity: 1 })
      .bindTooltip(String(s[0]), { permanent: true, direction: "center", className: "hv-number" })
      .addTo(group);
  });
  map.fitBounds(group.getBounds(), { padding: [20, 20], maxZoom: 18 });
})();
