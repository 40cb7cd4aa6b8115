/* geo_portal public map: vector-tile layers, address search with an accessible combobox, plate cards,
 * reverse lookup on click, "my location", permalinks and the report dialog.
 * Plain ES2019, no build step; configuration and translated strings come from the #map-config JSON. */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("map-config").textContent);
  const T = config.text;
  const $ = (id) => document.getElementById(id);
  const fmt = (template, values) => template.replace(/\{(\w+)\}/g, (_, key) => (key in values ? values[key] : ""));
  const english = document.documentElement.lang === "en";
  const statusBox = $("status");
  const cardSlot = $("card-slot");

  function announce(text) {
    statusBox.textContent = text;
  }

  /* ---------- map and layers ---------- */
  const map = L.map("map", { minZoom: config.minZoom, maxZoom: config.maxZoom, zoomControl: true });
  window.geoPortalMap = map; // for the browser tests and the console
  if (config.initial) {
    map.setView([config.initial.lat, config.initial.lon], 18);
  } else if (config.extent) {
    map.fitBounds(config.extent);
  } else {
    map.setView(config.center, config.zoom);
  }

  const basemaps = {};
  config.basemaps.forEach((b, i) => {
    const layer = L.tileLayer(b.url, b.options);
    basemaps[b.name] = layer;
    if (i === 0) layer.addTo(map);
  });
  basemaps[T.basemapNone] = L.layerGroup();

  const vector = (url, paintRules, labelRules, zIndex) =>
    protomapsL.leafletLayer({
      url: url,
      paintRules: paintRules,
      labelRules: labelRules || [],
      maxDataZoom: 18,
      levelDiff: 0,
      attribution: "",
      zIndex: zIndex,
      pane: "overlayPane",
    });
  const nameProps = english ? ["name_en", "name"] : ["name"];
  const villages = vector(
    config.tiles.villages,
    [{ dataLayer: "villages", symbolizer: new protomapsL.LineSymbolizer({ color: "#6a1b9a", width: 2, dash: [6, 3], dashColor: "#6a1b9a", dashWidth: 2 }) }],
    [{ dataLayer: "village_labels", symbolizer: new protomapsL.CenteredTextSymbolizer({ labelProps: nameProps, fill: "#4a148c", stroke: "#ffffff", width: 3, font: "600 13px sans-serif" }) }],
    2,
  );
  const buildings = vector(
    config.tiles.buildings,
    [{ dataLayer: "buildings", symbolizer: new protomapsL.PolygonSymbolizer({ fill: "#8d6e63", opacity: 0.45, stroke: "#4e342e", width: 1 }) }],
    [],
    3,
  );
  const isAggregate = (z, f) => f.props.kind !== "plate";
  const clusterRadius = (z, f) => Math.min(18, 8 + 2.5 * Math.log10(1 + (f ? f.props.units : 1)));
  const plates = vector(
    config.tiles.plates,
    [
      { dataLayer: "plates", filter: isAggregate, symbolizer: new protomapsL.CircleSymbolizer({ radius: clusterRadius, fill: "#0b3d5c", opacity: 0.85, stroke: "#ffffff", width: 1.5 }) },
      { dataLayer: "plates", filter: (z, f) => f.props.kind === "plate", symbolizer: new protomapsL.CircleSymbolizer({ radius: (z) => (z >= 18 ? 5 : 3.5), fill: "#c62828", stroke: "#ffffff", width: 1 }) },
    ],
    [
      { dataLayer: "plates", filter: isAggregate, symbolizer: new protomapsL.CenteredTextSymbolizer({ labelProps: ["label"], fill: "#ffffff", font: "700 11px sans-serif" }) },
      { dataLayer: "plates", minzoom: 18, filter: (z, f) => f.props.kind === "plate", symbolizer: new protomapsL.OffsetTextSymbolizer({ labelProps: ["label"], fill: "#212121", stroke: "#ffffff", width: 2, offsetX: 6, offsetY: 4, font: "11px sans-serif" }) },
    ],
    4,
  );
  villages.addTo(map);
  buildings.addTo(map);
  plates.addTo(map);
  const overlays = {};
  overlays[T.layerPlates] = plates;
  overlays[T.layerBuildings] = buildings;
  overlays[T.layerVillages] = villages;
  L.control.layers(basemaps, overlays, { collapsed: window.matchMedia("(max-width: 700px)").matches }).addTo(map);

  const highlight = L.layerGroup().addTo(map);
  function showHighlight(lat, lon, building) {
    highlight.clearLayers();
    if (building) {
      L.geoJSON(building, { style: { color: "#ff6f00", weight: 3, fillColor: "#ffca28", fillOpacity: 0.35 }, interactive: false }).addTo(highlight);
    }
    L.circleMarker([lat, lon], { radius: 9, color: "#ffffff", weight: 3, fillColor: "#d50000", fillOpacity: 1, interactive: false }).addTo(highlight);
  }

  /* ---------- plate cards ---------- */
  let lastPoint = null; // the point clicked when no plate was near (for a report at that point)

  async function openPlate(plateId, options) {
    const opts = options || {};
    const url = config.api.card + plateId + (opts.distance != null ? "?distance=" + opts.distance : "");
    const response = await fetch(url, { headers: { Accept: "text/html" } });
    if (!response.ok) {
      announce(response.status === 429 ? T.tooMany : await response.text());
      return;
    }
    cardSlot.innerHTML = await response.text(); // server-rendered and escaped by Django templates
    const card = $("plate-card");
    const lat = parseFloat(card.dataset.lat), lon = parseFloat(card.dataset.lon);
    const building = card.dataset.building ? JSON.parse(card.dataset.building) : null;
    if (opts.grade && T["grade_" + opts.grade]) {
      const note = document.createElement("p");
      note.className = "card-note";
      note.textContent = T["grade_" + opts.grade];
      card.insertBefore(note, card.querySelector("dl"));
    }
    showHighlight(lat, lon, building);
    if (opts.fly !== false) map.flyTo([lat, lon], Math.max(map.getZoom(), 18), { duration: 0.6 });
    const address = $("card-title").textContent;
    document.title = address + " · geo_portal";
    if (opts.push !== false) history.pushState({ plate: plateId }, "", "?plate=" + plateId);
    announce(fmt(T.plateShown, { address: address }));
    if (opts.focus) $("card-title").focus();
  }

  if (config.initial) {
    const card = $("plate-card");
    showHighlight(config.initial.lat, config.initial.lon, card && card.dataset.building ? JSON.parse(card.dataset.building) : null);
  }

  cardSlot.addEventListener("click", async (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.copy !== undefined) {
      try {
        await navigator.clipboard.writeText(button.dataset.copy);
      } catch (err) {
        const area = document.createElement("textarea");
        area.value = button.dataset.copy;
        document.body.appendChild(area);
        area.select();
        document.execCommand("copy");
        area.remove();
      }
      button.textContent = T.copied;
      announce(T.copied + ": " + button.dataset.copy);
      setTimeout(() => (button.textContent = T.copy), 2000);
    } else if (button.dataset.action === "close-card") {
      cardSlot.innerHTML = "";
      highlight.clearLayers();
      history.pushState({}, "", window.location.pathname);
      $("search-input").focus();
    } else if (button.dataset.action === "report-plate") {
      const card = $("plate-card");
      openReport({ plate: card.dataset.plate, label: fmt(T.reportPlate, { address: $("card-title").textContent }) });
    } else if (button.dataset.action === "report-point" && lastPoint) {
      openReport({ lat: lastPoint.lat.toFixed(6), lon: lastPoint.lng.toFixed(6), label: fmt(T.reportPoint, { lat: lastPoint.lat.toFixed(6), lon: lastPoint.lng.toFixed(6) }) });
    }
  });

  window.addEventListener("popstate", () => {
    const id = new URLSearchParams(window.location.search).get("plate");
    if (id) openPlate(id, { push: false });
    else {
      cardSlot.innerHTML = "";
      highlight.clearLayers();
    }
  });

  /* ---------- reverse lookup: click or tap the map ---------- */
  const REVERSE_RADIUS_M = 100;
  async function lookUpPoint(latlng) {
    const params = new URLSearchParams({ lat: latlng.lat.toFixed(7), lon: latlng.lng.toFixed(7), radius: REVERSE_RADIUS_M, limit: 1 });
    const response = await fetch(config.api.reverse + "?" + params);
    if (!response.ok) {
      announce(response.status === 429 ? T.tooMany : fmt(T.searchFailed, { status: response.status }));
      return;
    }
    const result = await response.json();
    if (result.hits.length) {
      const hit = result.hits[0];
      await openPlate(hit.plate_id, { distance: hit.distance_m, fly: false });
    } else {
      lastPoint = latlng;
      highlight.clearLayers();
      L.circleMarker(latlng, { radius: 7, color: "#d50000", weight: 2, fillOpacity: 0.2, interactive: false }).addTo(highlight);
      const box = document.createElement("div");
      box.className = "plate-card";
      box.id = "plate-card";
      const p = document.createElement("p");
      p.textContent = fmt(T.nothingNear, { r: REVERSE_RADIUS_M }) + " " + fmt(T.pointChosen, { lat: latlng.lat.toFixed(6), lon: latlng.lng.toFixed(6) });
      const button = document.createElement("button");
      button.type = "button";
      button.className = "report-open";
      button.dataset.action = "report-point";
      button.textContent = T.reportHere;
      box.append(p, button);
      cardSlot.replaceChildren(box);
      announce(p.textContent);
    }
  }
  map.on("click", (event) => lookUpPoint(event.latlng));

  /* ---------- my location ---------- */
  const Locate = L.Control.extend({
    options: { position: "topleft" },
    onAdd: function () {
      const button = L.DomUtil.create("button", "locate-button");
      button.type = "button";
      button.textContent = "◎";
      button.title = $("locate-label").textContent;
      button.setAttribute("aria-label", button.title);
      L.DomEvent.disableClickPropagation(button);
      L.DomEvent.on(button, "click", () => {
        if (!navigator.geolocation) {
          announce(fmt(T.locationDenied, { reason: "—" }));
          return;
        }
        announce(T.locating);
        navigator.geolocation.getCurrentPosition(
          (pos) => {
            const latlng = L.latLng(pos.coords.latitude, pos.coords.longitude);
            map.setView(latlng, 18);
            lookUpPoint(latlng);
          },
          (err) => announce(fmt(T.locationDenied, { reason: err.message })),
          { enableHighAccuracy: true, timeout: 10000 },
        );
      });
      return button;
    },
  });
  new Locate().addTo(map);

  /* ---------- search with autocomplete (WAI-ARIA combobox pattern) ---------- */
  const input = $("search-input");
  const listbox = $("search-listbox");
  let options = [];
  let active = -1;
  let timer = null;
  let requestSerial = 0;

  function closeList() {
    listbox.hidden = true;
    listbox.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    options = [];
    active = -1;
  }

  function setActive(index) {
    const items = listbox.querySelectorAll("[role=option]");
    items.forEach((li, i) => li.setAttribute("aria-selected", i === index ? "true" : "false"));
    active = index;
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", items[index].id);
      items[index].scrollIntoView({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  }

  async function suggest() {
    const text = input.value.trim();
    if (!text) return closeList();
    const serial = ++requestSerial;
    const response = await fetch(config.api.autocomplete + "?" + new URLSearchParams({ q: text.slice(0, 100) }));
    if (serial !== requestSerial) return; // a newer keystroke won
    if (!response.ok) return closeList();
    const data = await response.json();
    options = data.suggestions;
    listbox.replaceChildren();
    options.forEach((s, i) => {
      const li = document.createElement("li");
      li.id = "suggestion-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.textContent = s.label || s.text;
      li.addEventListener("mousedown", (event) => event.preventDefault()); // keep focus in the input
      li.addEventListener("click", () => choose(i));
      listbox.appendChild(li);
    });
    listbox.hidden = options.length === 0;
    input.setAttribute("aria-expanded", options.length ? "true" : "false");
    active = -1;
    announce(options.length ? fmt(T.suggestions, { n: options.length }) : T.noSuggestions);
  }

  function choose(index) {
    const s = options[index];
    closeList();
    input.value = s.text;
    if (s.plate_id) openPlate(s.plate_id, { focus: false });
    else {
      input.focus();
      suggest(); // a road: keep typing the number
    }
  }

  async function search(text) {
    announce(T.searching);
    const response = await fetch(config.api.geocode + "?" + new URLSearchParams({ q: text.slice(0, 200), limit: 1 }));
    if (!response.ok) {
      announce(response.status === 429 ? T.tooMany : fmt(T.searchFailed, { status: response.status }));
      return;
    }
    const result = await response.json();
    if (result.hits.length && result.grade !== "none") {
      await openPlate(result.hits[0].plate_id, { grade: result.grade });
    } else {
      let message = fmt(T.notFound, { q: text });
      if (result.suggestions.length) message += " " + T.didYouMean + " " + result.suggestions.slice(0, 5).join("、");
      announce(message);
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 120);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && options.length) {
      event.preventDefault();
      setActive(active + 1 >= options.length ? 0 : active + 1);
    } else if (event.key === "ArrowUp" && options.length) {
      event.preventDefault();
      setActive(active <= 0 ? options.length - 1 : active - 1);
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      choose(active);
    } else if (event.key === "Escape") {
      // Close the list and cancel a pending lookup; the typed text stays (losing it by accident costs more).
      clearTimeout(timer);
      requestSerial++;
      closeList();
    }
  });
  input.addEventListener("blur", () => setTimeout(closeList, 150));
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    requestSerial++;
    closeList();
    const text = input.value.trim();
    if (text) search(text);
  });

  /* ---------- report dialog ---------- */
  const dialog = $("report-dialog");
  const form = $("report-form");
  const reportStatus = $("report-status");
  let opener = null;

  function openReport(target) {
    opener = document.activeElement;
    form.reset();
    $("report-plate").value = target.plate || "";
    $("report-lat").value = target.lat || "";
    $("report-lon").value = target.lon || "";
    $("report-target").textContent = target.label;
    reportStatus.textContent = "";
    dialog.showModal();
    form.querySelector("input[name=kind]").focus();
  }
  dialog.addEventListener("close", () => opener && opener.focus && opener.focus());
  form.querySelector("[data-action=close-report]").addEventListener("click", () => dialog.close());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = new FormData(form);
    const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    reportStatus.textContent = T.searching;
    const response = await fetch(form.action, { method: "POST", body: body, headers: { "X-CSRFToken": token, Accept: "application/json" } });
    let data = {};
    try {
      data = await response.json();
    } catch (err) {
      data = { error: String(response.status) };
    }
    if (response.status === 201) {
      reportStatus.textContent = data.message || fmt(T.reportSent, { reference: data.reference });
      form.querySelector("button[type=submit]").disabled = true;
      setTimeout(() => (form.querySelector("button[type=submit]").disabled = false), 3000);
    } else {
      const details = [];
      Object.entries(data.fields || {}).forEach(([, messages]) => details.push(...[].concat(messages)));
      reportStatus.textContent = T.reportFailed + " " + (details.join(" ") || data.error || data.detail || response.status);
    }
  });
})();
