/* geo_portal statistics dashboard: choropleth of the villages (Leaflet GeoJSON) and a sortable table. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("stats-config").textContent);
  const T = config.text;
  const fmt = (template, values) => template.replace(/\{(\w+)\}/g, (_, key) => (key in values ? values[key] : ""));
  const english = document.documentElement.lang === "en";
  const COLOURS = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"]; // ColorBrewer Blues, 5 classes

  /* ---------- sortable table ---------- */
  const table = document.getElementById("stats-table");
  if (table) {
    table.querySelectorAll("thead button").forEach((button) => {
      button.addEventListener("click", () => {
        const th = button.parentElement;
        const ascending = th.getAttribute("aria-sort") !== "ascending";
        table.querySelectorAll("thead th").forEach((h) => h.removeAttribute("aria-sort"));
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        const key = button.dataset.key;
        const numeric = button.dataset.type === "number";
        const rows = Array.from(table.tBodies[0].rows);
        const value = (row) => (numeric ? (row.dataset[key] === "" ? -Infinity : parseFloat(row.dataset[key])) : row.dataset[key]);
        rows.sort((a, b) => {
          const va = value(a), vb = value(b);
          const order = numeric ? va - vb : String(va).localeCompare(String(vb));
          return ascending ? order : -order;
        });
        rows.forEach((row) => table.tBodies[0].appendChild(row));
        document.getElementById("sort-status").textContent = fmt(T.sorted, { column: button.textContent, direction: ascending ? T.ascending : T.descending });
      });
    });
  }

  /* ---------- choropleth ---------- */
  const mapBox = document.getElementById("stats-map");
  if (!mapBox) return;
  const map = L.map(mapBox, { scrollWheelZoom: false });
  window.geoPortalStatsMap = map;
  config.basemaps.forEach((b, i) => i === 0 && L.tileLayer(b.url, b.options).addTo(map));
  if (config.extent) map.fitBounds(config.extent);
  const select = document.getElementById("metric");
  const legend = document.getElementById("legend");
  let layer = null;
  let features = [];

  function breaks(values) {
    const sorted = values.filter((v) => v != null).sort((a, b) => a - b);
    if (!sorted.length) return [];
    return [1, 2, 3, 4].map((k) => sorted[Math.floor((k * sorted.length) / 5)]); // quintiles
  }
  const number = (v) => (v == null ? T.noData : Number(v).toLocaleString(english ? "en" : "zh-TW", { maximumFractionDigits: 2 }));

  function draw() {
    const metric = select.value;
    const cuts = breaks(features.map((f) => f.properties[metric]));
    const colour = (v) => (v == null ? "#d9d9d9" : COLOURS[cuts.filter((c) => v >= c).length]);
    if (layer) layer.remove();
    layer = L.geoJSON({ type: "FeatureCollection", features: features }, {
      style: (f) => ({ color: "#333", weight: 1, fillColor: colour(f.properties[metric]), fillOpacity: 0.8 }),
      onEachFeature: (f, l) => {
        const p = f.properties;
        const name = english ? p.name_en || p.name : p.name;
        l.bindTooltip(name + ": " + (p.suppressed ? T.suppressed : number(p[metric])));
      },
    }).addTo(map);
    const label = select.options[select.selectedIndex].textContent;
    const edges = [null, ...cuts];
    legend.replaceChildren();
    const title = document.createElement("p");
    title.textContent = fmt(T.legend, { metric: label });
    const list = document.createElement("ul");
    edges.forEach((low, i) => {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "swatch swatch-" + i;
      const high = i < cuts.length ? cuts[i] : null;
      item.append(swatch, " " + (low == null ? "< " + number(high) : high == null ? "≥ " + number(low) : number(low) + " – " + number(high)));
      list.appendChild(item);
    });
    const none = document.createElement("li");
    const grey = document.createElement("span");
    grey.className = "swatch swatch-none";
    none.append(grey, " " + T.noData);
    list.appendChild(none);
    legend.append(title, list);
  }

  fetch(config.geojson)
    .then((r) => r.json())
    .then((data) => {
      features = data.features;
      draw();
      document.body.dataset.statsReady = "1";
    });
  select.addEventListener("change", draw);
})();
