/* geo_portal road and entrance pages: a small map of the door plates the page lists (Leaflet, canvas markers), the
 * building outline of an entrance. Configuration comes as JSON in the page (no inline script). */
(function () {
  "use strict";
  const box = document.getElementById("directory-map");
  if (!box || !window.L) return;
  const config = JSON.parse(document.getElementById("directory-config").textContent);
  const map = L.map(box, { scrollWheelZoom: false, preferCanvas: true });
  window.geoPortalDirectoryMap = map;
  const base = config.basemaps[0];
  if (base) L.tileLayer(base.url, base.options).addTo(map);
  const renderer = L.canvas({ padding: 0.2 });
  const bounds = [];
  if (config.outline) {
    const outline = L.geoJSON(config.outline, { style: { color: "#b34700", weight: 2, fillOpacity: 0.15 } }).addTo(map);
    bounds.push(outline.getBounds().getSouthWest(), outline.getBounds().getNorthEast());
  }
  config.points.forEach(([lat, lon, plate, label]) => {
    const marker = L.circleMarker([lat, lon], {
      renderer: renderer, radius: 5, color: "#0b3d91", weight: 1, fillColor: "#1f6fd1", fillOpacity: 0.9,
    }).addTo(map);
    if (label && config.entrance) {
      const link = document.createElement("a");
      link.href = config.entrance + plate;
      link.lang = "zh-Hant";
      link.textContent = label;
      marker.bindPopup(link);
    }
    bounds.push([lat, lon]);
  });
  if (config.bbox) map.fitBounds([[config.bbox[1], config.bbox[0]], [config.bbox[3], config.bbox[2]]], { padding: [20, 20], maxZoom: 18 });
  else if (bounds.length) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 18 });
})();
