/* geo_portal public map: vector-tile layers with label placement, address search with an accessible combobox,
 * plate cards, reverse lookup on click, "my location", permalinks, the phone's bottom sheet and the report dialog.
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
  const defaultTitle = T.pageTitle + " · geo_portal"; // the page's own title, not the permalinked plate's

  function announce(text) {
    statusBox.textContent = text;
  }
  /* An announcement that quotes an address: the address is marked as Chinese text (English pages stay English). */
  function announceAddress(template, address) {
    const [before, after] = template.split("{address}");
    const span = document.createElement("span");
    span.lang = "zh-Hant";
    span.textContent = address;
    statusBox.replaceChildren(before || "", span, after || "");
  }

  /* ---------- the panel: beside the map on wide screens, a bottom sheet on phones ---------- */
  const panel = $("panel");
  const handle = $("sheet-handle");
  const phone = window.matchMedia("(max-width: 700px)");
  const SHEETS = ["peek", "half", "full"];

  function setSheet(state) {
    panel.dataset.sheet = state;
    handle.setAttribute("aria-expanded", state === "peek" ? "false" : "true");
    handle.setAttribute("aria-label", state === "full" ? T.sheetLess : T.sheetMore);
  }
  function showSheetAtLeast(state) {
    if (phone.matches && SHEETS.indexOf(panel.dataset.sheet) < SHEETS.indexOf(state)) setSheet(state);
  }
  /* The part of the map hidden under the sheet (0 on wide screens): flights aim at the visible part above it. */
  function coveredHeight() {
    if (!phone.matches) return 0;
    const mapBox = $("map").getBoundingClientRect();
    return Math.max(0, mapBox.bottom - panel.getBoundingClientRect().top);
  }

  let drag = null;
  handle.addEventListener("click", () => {
    if (drag && drag.moved) return; // the end of a drag, not a tap
    const next = SHEETS[(SHEETS.indexOf(panel.dataset.sheet) + 1) % SHEETS.length];
    setSheet(next);
  });
  handle.addEventListener("pointerdown", (event) => {
    if (!phone.matches) return;
    drag = { startY: event.clientY, startHeight: panel.getBoundingClientRect().height, moved: false };
    handle.setPointerCapture(event.pointerId);
  });
  handle.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const dy = event.clientY - drag.startY;
    if (Math.abs(dy) > 6) drag.moved = true;
    if (!drag.moved) return;
    const layout = panel.parentElement.getBoundingClientRect().height;
    panel.classList.add("dragging");
    panel.style.height = Math.min(layout, Math.max(48, drag.startHeight - dy)) + "px";
  });
  /* The heights the sheet snaps to, as the style sheet sets them (peek, 55%, all but 8 px). */
  function sheetHeights() {
    const layout = panel.parentElement.getBoundingClientRect().height;
    const peek = parseFloat(getComputedStyle(document.documentElement).getPropertyValue("--peek")) || 152;
    return [peek, 0.55 * layout, layout - 8];
  }
  function endDrag() {
    if (!drag) return;
    if (drag.moved) {
      const height = panel.getBoundingClientRect().height;
      const heights = sheetHeights();
      const nearest = heights.reduce((best, h, i) => (Math.abs(h - height) < Math.abs(heights[best] - height) ? i : best), 0);
      panel.classList.remove("dragging");
      panel.style.height = "";
      setSheet(SHEETS[nearest]);
    }
    const finished = drag;
    setTimeout(() => {
      if (drag === finished) drag = null;
    }, 0); // let the click that follows a drag see it
  }
  handle.addEventListener("pointerup", endDrag);
  handle.addEventListener("pointercancel", endDrag);
  setSheet(panel.dataset.sheet || "peek");

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

  const source = (url) => ({ url: url, maxDataZoom: 18, levelDiff: 0 });
  const show = { plates: true, villages: true };
  const nameProps = english ? ["name_en", "name"] : ["name"];
  const nameOf = (f) => {
    for (const key of nameProps) if (f.props[key]) return String(f.props[key]);
    return "";
  };
  const FONT = "600 13px sans-serif";
  const COUNT_FONT = "700 11px sans-serif";

  /* Labels take part in one collision index (protomaps-leaflet's label placement), so a count never lies on a
   * village name, and a label crossing a tile edge is drawn on both tiles (never cut). Each symbolizer below
   * returns the boxes it covers; a label whose every candidate position collides with a label placed before it is
   * left out at this zoom. */
  function measure(scratch, text, font) {
    scratch.font = font;
    const m = scratch.measureText(text);
    return { width: m.width, ascent: m.actualBoundingBoxAscent || 10, descent: m.actualBoundingBoxDescent || 3 };
  }
  function halo(ctx, text, x, y, font, fill) {
    ctx.font = font;
    ctx.lineWidth = 3;
    ctx.strokeStyle = "#ffffff";
    ctx.lineJoin = "round";
    ctx.strokeText(text, x, y);
    ctx.fillStyle = fill;
    ctx.fillText(text, x, y);
  }
  const badgeRadius = (units) => Math.min(18, 8 + 2.5 * Math.log10(1 + (units || 1)));

  /* A count: a circle (a pill for long numbers) with the number of door plates; at the village and district
   * zooms the place's name sits above it, as one label, so the two never overlap. */
  function drawBadge(ctx, text, count, r, w) {
    ctx.globalAlpha = 1;
    ctx.beginPath();
    if (w > 2 * r) {
      const x = -w / 2 + r;
      ctx.arc(x, 0, r, Math.PI / 2, (3 * Math.PI) / 2);
      ctx.arc(-x, 0, r, -Math.PI / 2, Math.PI / 2);
      ctx.closePath();
    } else ctx.arc(0, 0, r, 0, 2 * Math.PI);
    ctx.fillStyle = "#0b3d5c";
    ctx.fill();
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = "#ffffff";
    ctx.stroke();
    ctx.font = COUNT_FONT;
    ctx.fillStyle = "#ffffff";
    ctx.fillText(text, -count.width / 2, count.ascent / 2 - 0.5);
  }
  const CountBadge = {
    place(layout, geom, feature) {
      const anchor = geom[0][0];
      const text = String(feature.props.label || "");
      const count = measure(layout.scratch, text, COUNT_FONT);
      const r = badgeRadius(feature.props.units);
      const w = Math.max(2 * r, count.width + 12);
      const badgeBox = { minX: anchor.x - w / 2 - 2, minY: anchor.y - r - 2, maxX: anchor.x + w / 2 + 2, maxY: anchor.y + r + 2 };
      const drawOnly = (ctx) => drawBadge(ctx, text, count, r, w);
      drawOnly.badge = { w: w, r: r }; // what the browser tests sample
      const badge = { anchor: anchor, bboxes: [badgeBox], draw: drawOnly };
      const named = feature.props.kind !== "cluster" ? nameOf(feature) : "";
      if (!named) return [badge];
      // With its village's or district's name above it where there is room; the count alone otherwise.
      const name = measure(layout.scratch, named, FONT);
      const top = -r - 4 - name.ascent - name.descent;
      const half = Math.max(w, name.width + 6) / 2;
      const box = { minX: anchor.x - half - 2, minY: anchor.y + top - 2, maxX: anchor.x + half + 2, maxY: anchor.y + r + 2 };
      if (layout.index.bboxCollides(box, layout.order)) return [badge];
      const drawBoth = (ctx) => {
        drawBadge(ctx, text, count, r, w);
        halo(ctx, named, -name.width / 2, -r - 4 - name.descent, FONT, "#4a148c");
      };
      drawBoth.badge = drawOnly.badge;
      return [{ anchor: anchor, bboxes: [box], draw: drawBoth }];
    },
  };

  /* A village's name at its label point, or beside it where a count already stands there. */
  const PLACE_OFFSETS = [
    [0, 0],
    [0, -22],
    [0, 22],
    [1, 0],
    [-1, 0],
  ];
  const VillageName = {
    place(layout, geom, feature) {
      const anchor = geom[0][0];
      const text = nameOf(feature);
      if (!text) return undefined;
      const m = measure(layout.scratch, text, FONT);
      for (const [sx, dy] of PLACE_OFFSETS) {
        const dx = sx * (m.width / 2 + 20);
        const x = anchor.x + dx - m.width / 2, y = anchor.y + dy + m.ascent / 2;
        const box = { minX: x - 2, minY: y - m.ascent - 2, maxX: x + m.width + 2, maxY: y + m.descent + 2 };
        if (!layout.index.bboxCollides(box, layout.order)) {
          return [{ anchor: anchor, bboxes: [box], draw: (ctx) => halo(ctx, text, dx - m.width / 2, dy + m.ascent / 2, FONT, "#4a148c") }];
        }
      }
      return undefined;
    },
  };

  const isPlate = (z, f) => f.props.kind === "plate";
  let selectedEntrance = null; // the chosen plate's entrance (the tile feature's id): its number is placed first
  const numberLabel = (bold) =>
    new protomapsL.OffsetTextSymbolizer({
      labelProps: english ? ["label_en", "label"] : ["label"],
      fill: "#212121",
      stroke: "#ffffff",
      width: 2,
      offsetX: 10,
      offsetY: 4,
      font: (bold ? "700 " : "") + "11px sans-serif",
    });
  const labelled = protomapsL.leafletLayer({
    sources: { plates: source(config.tiles.plates), villages: source(config.tiles.villages) },
    paintRules: [
      {
        dataSource: "villages",
        dataLayer: "villages",
        filter: () => show.villages,
        symbolizer: new protomapsL.LineSymbolizer({ color: "#6a1b9a", width: 2, dash: [6, 3], dashColor: "#6a1b9a", dashWidth: 2 }),
      },
      {
        dataSource: "plates",
        dataLayer: "plates",
        filter: (z, f) => show.plates && isPlate(z, f),
        symbolizer: new protomapsL.CircleSymbolizer({ radius: (z) => (z >= 18 ? 5 : 3.5), fill: "#c62828", stroke: "#ffffff", width: 1 }),
      },
    ],
    labelRules: [
      {
        // The chosen plate's own number before any other, so that no neighbour's label takes its place.
        dataSource: "plates",
        dataLayer: "plates",
        minzoom: 18,
        filter: (z, f) => show.plates && isPlate(z, f) && f.props.id === selectedEntrance,
        symbolizer: numberLabel(true),
      },
      {
        // House numbers next: at street level they are what people read. Placed clear of the selected ring.
        dataSource: "plates",
        dataLayer: "plates",
        minzoom: 18,
        filter: (z, f) => show.plates && isPlate(z, f) && f.props.id !== selectedEntrance,
        symbolizer: numberLabel(false),
      },
      { dataSource: "plates", dataLayer: "plates", filter: (z, f) => show.plates && !isPlate(z, f), symbolizer: CountBadge },
      {
        // At the village-count zooms the counts carry the village names themselves.
        dataSource: "villages",
        dataLayer: "village_labels",
        filter: (z) => show.villages && (z >= 13 || !show.plates),
        symbolizer: VillageName,
      },
    ],
    attribution: "",
    zIndex: 4,
    pane: "overlayPane",
  });
  const buildings = protomapsL.leafletLayer({
    url: config.tiles.buildings,
    maxDataZoom: 18,
    levelDiff: 0,
    paintRules: [{ dataLayer: "buildings", symbolizer: new protomapsL.PolygonSymbolizer({ fill: "#8d6e63", opacity: 0.45, stroke: "#4e342e", width: 1 }) }],
    labelRules: [],
    attribution: "",
    zIndex: 3,
    pane: "overlayPane",
  });
  /* protomaps-leaflet keeps labels for 16 tiles per zoom and drops the farthest tile's when more are labelled;
   * a large screen at street level shows 30–60 tiles, and the dropped tiles, re-labelled when redrawn, drop others
   * in turn without end. The index is allowed all the tiles a screen can show. */
  const MAX_LABELLED_TILES = 128;
  function relabel() {
    labelled.clearLayout();
    labelled.labelers.maxLabeledTiles = MAX_LABELLED_TILES;
    labelled.rerenderTiles();
  }
  labelled.labelers.maxLabeledTiles = MAX_LABELLED_TILES;
  buildings.addTo(map);
  labelled.addTo(map);
  window.geoPortalLabels = labelled; // for the browser tests: the placed labels

  // Plates and village boundaries share one layer (one label index); the switches set what it draws.
  const platesSwitch = L.layerGroup().addTo(map);
  const villagesSwitch = L.layerGroup().addTo(map);
  const overlays = {};
  overlays[T.layerPlates] = platesSwitch;
  overlays[T.layerBuildings] = buildings;
  overlays[T.layerVillages] = villagesSwitch;
  function toggled(event, on) {
    if (event.layer === platesSwitch) show.plates = on;
    else if (event.layer === villagesSwitch) show.villages = on;
    else return;
    relabel();
  }
  map.on("overlayadd", (event) => toggled(event, true));
  map.on("overlayremove", (event) => toggled(event, false));
  L.control.layers(basemaps, overlays, { collapsed: phone.matches }).addTo(map);

  /* ---------- the chosen plate: a ring around its dot and a callout above it (never over its own label) ---------- */
  const highlight = L.layerGroup().addTo(map);
  function selectEntrance(id) {
    const value = id ? Number(id) : null;
    if (value === selectedEntrance) return;
    selectedEntrance = value;
    relabel();
  }
  function showHighlight(lat, lon, building, label) {
    highlight.clearLayers();
    if (building) {
      L.geoJSON(building, { style: { color: "#bf360c", weight: 3, fillColor: "#ffca28", fillOpacity: 0.3 }, interactive: false }).addTo(highlight);
    }
    L.circleMarker([lat, lon], { radius: 7, color: "#bf360c", weight: 3, fill: false, interactive: false, className: "selected-ring" }).addTo(highlight);
    const callout = document.createElement("div");
    callout.className = "selected-callout";
    callout.textContent = label || "";
    if (!label) callout.classList.add("no-label");
    L.marker([lat, lon], {
      icon: L.divIcon({ className: "selected-plate", html: callout, iconSize: [0, 0], iconAnchor: [0, 0] }),
      interactive: false,
      keyboard: false,
      zIndexOffset: 1000,
    }).addTo(highlight);
  }

  function flyTo(lat, lon, zoom) {
    const z = Math.max(map.getZoom(), zoom);
    const shift = coveredHeight() / 2;
    const target = shift ? map.unproject(map.project([lat, lon], z).add([0, shift]), z) : L.latLng(lat, lon);
    map.flyTo(target, z, { duration: 0.6 });
  }

  /* ---------- plate cards ---------- */
  let lastPoint = null; // the point clicked when no plate was near (for a report at that point)

  function clearCard(options) {
    const opts = options || {};
    cardSlot.replaceChildren();
    highlight.clearLayers();
    selectEntrance(null);
    document.title = defaultTitle;
    if (opts.url !== undefined) history.pushState({}, "", opts.url);
  }

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
    showHighlight(lat, lon, building, card.dataset.label);
    selectEntrance(card.dataset.entrance);
    showSheetAtLeast("half");
    if (phone.matches) panel.scrollTop = 0; // the card right under the search box
    if (opts.fly !== false) flyTo(lat, lon, 18);
    const address = $("card-title").textContent;
    document.title = address + " · geo_portal";
    if (opts.push !== false) history.pushState({ plate: plateId }, "", "?plate=" + plateId);
    announceAddress(T.plateShown, address);
    if (opts.focus) $("card-title").focus();
  }

  /* Several plates for what was typed (the same address under two 鄰, or two readings of the digits): all of
   * them on the map, and a list to choose from. */
  function showChoices(hits, grade) {
    clearCard();
    const box = document.createElement("div");
    box.className = "plate-card choices";
    box.id = "plate-choices";
    const heading = document.createElement("p");
    heading.textContent = fmt(T.platesAtAddress, { n: hits.length });
    const list = document.createElement("ul");
    const bounds = [];
    hits.forEach((hit, i) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "choice";
      button.dataset.plate = hit.plate_id;
      const where = [hit.village, hit.neighborhood ? hit.neighborhood + "鄰" : ""].filter(Boolean).join(" ");
      const text = document.createElement("span");
      text.lang = "zh-Hant";
      text.textContent = hit.address + (where ? "（" + where + "）" : "");
      button.append(String(i + 1) + ". ", text);
      button.setAttribute("aria-label", fmt(T.choosePlate, { address: text.textContent }));
      button.addEventListener("click", () => openPlate(hit.plate_id, { grade: grade, focus: true }));
      li.appendChild(button);
      list.appendChild(li);
      L.marker([hit.lat, hit.lon], {
        icon: L.divIcon({ className: "choice-marker", html: String(i + 1), iconSize: [26, 26] }),
        keyboard: false,
        title: hit.address + (where ? " " + where : ""),
      })
        .on("click", () => openPlate(hit.plate_id, { grade: grade }))
        .addTo(highlight);
      bounds.push([hit.lat, hit.lon]);
    });
    box.append(heading, list);
    cardSlot.replaceChildren(box);
    showSheetAtLeast("half");
    map.fitBounds(bounds, { maxZoom: 18, paddingTopLeft: [60, 60], paddingBottomRight: [60, 60 + coveredHeight()] });
    announce(heading.textContent);
  }

  /* A number that does not exist, placed between its neighbours on the same side: no plate, so no card; the
   * point is marked as approximate, with the neighbours to choose from. */
  function showApproximate(hit, result) {
    clearCard({ url: window.location.pathname + "?" + new URLSearchParams({ q: result.query }) });
    const box = document.createElement("div");
    box.className = "plate-card approximate";
    box.id = "approximate";
    const title = document.createElement("h2");
    title.lang = "zh-Hant";
    title.textContent = hit.address;
    const note = document.createElement("p");
    note.className = "card-note";
    note.textContent = T.grade_interpolated;
    box.append(title, note);
    if (result.suggestions && result.suggestions.length) {
      const list = document.createElement("ul");
      result.suggestions.slice(0, 5).forEach((suggestion) => {
        const li = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "choice";
        button.lang = "zh-Hant";
        button.textContent = suggestion;
        button.addEventListener("click", () => {
          input.value = suggestion;
          search(suggestion);
        });
        li.appendChild(button);
        list.appendChild(li);
      });
      const p = document.createElement("p");
      p.textContent = T.didYouMean;
      box.append(p, list);
    }
    cardSlot.replaceChildren(box);
    L.circleMarker([hit.lat, hit.lon], { radius: 12, color: "#bf360c", weight: 2, dashArray: "4 3", fillOpacity: 0.15, interactive: false }).addTo(highlight);
    showSheetAtLeast("half");
    flyTo(hit.lat, hit.lon, 18);
    announce(hit.address + " " + T.grade_interpolated);
  }

  if (config.initial) {
    const card = $("plate-card");
    showHighlight(config.initial.lat, config.initial.lon, card && card.dataset.building ? JSON.parse(card.dataset.building) : null, card && card.dataset.label);
    if (card) selectEntrance(card.dataset.entrance);
    if (phone.matches) flyTo(config.initial.lat, config.initial.lon, 18);
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
      clearCard({ url: window.location.pathname });
      $("search-input").focus();
    } else if (button.dataset.action === "report-plate") {
      const card = $("plate-card");
      openReport({ plate: card.dataset.plate, address: $("card-title").textContent });
    } else if (button.dataset.action === "report-point" && lastPoint) {
      openReport({ lat: lastPoint.lat.toFixed(6), lon: lastPoint.lng.toFixed(6), label: fmt(T.reportPoint, { lat: lastPoint.lat.toFixed(6), lon: lastPoint.lng.toFixed(6) }) });
    }
  });

  window.addEventListener("popstate", () => {
    const params = new URLSearchParams(window.location.search);
    const id = params.get("plate");
    if (id) openPlate(id, { push: false });
    else clearCard();
  });

  /* ---------- the covered area ---------- */
  function inRing(lon, lat, ring) {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i], [xj, yj] = ring[j];
      if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }
  /* Whether a point lies in the covered districts (boundaries grown by a GPS error's worth); without boundaries,
   * in the map's first extent; without either, anywhere. */
  function covered(latlng) {
    const g = config.coverage.geometry;
    if (g) {
      const polygons = g.type === "Polygon" ? [g.coordinates] : g.coordinates;
      // Even-odd over every ring: holes count out.
      return polygons.some((rings) => rings.reduce((inside, ring) => (inRing(latlng.lng, latlng.lat, ring) ? !inside : inside), false));
    }
    return config.extent ? L.latLngBounds(config.extent).contains(latlng) : true;
  }
  function sayOutside(latlng) {
    lastPoint = null;
    highlight.clearLayers();
    L.circleMarker(latlng, { radius: 7, color: "#616161", weight: 2, fillOpacity: 0.15, interactive: false }).addTo(highlight);
    const box = document.createElement("div");
    box.className = "plate-card outside";
    box.id = "outside-area";
    const p = document.createElement("p");
    p.textContent = fmt(T.outsideArea, { area: config.coverage.names.join(english ? "; " : "、") });
    const more = document.createElement("p");
    const link = document.createElement("a");
    link.href = config.coverage.service;
    link.rel = "noopener";
    link.textContent = T.outsideService;
    more.appendChild(link);
    box.append(p, more);
    cardSlot.replaceChildren(box);
    if (window.location.search) history.pushState({}, "", window.location.pathname);
    document.title = defaultTitle;
    showSheetAtLeast("half");
    announce(p.textContent); // said once; no report is offered outside the area
  }

  /* ---------- reverse lookup: click or tap the map ---------- */
  const REVERSE_RADIUS_M = 100;
  async function lookUpPoint(latlng) {
    if (!covered(latlng)) {
      sayOutside(latlng);
      return;
    }
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
      if (window.location.search) history.pushState({}, "", window.location.pathname);
      document.title = defaultTitle;
      showSheetAtLeast("half");
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
            if (!covered(latlng)) {
              map.setView(latlng, Math.min(map.getZoom(), 13));
              sayOutside(latlng);
              return;
            }
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
    else if (s.kind !== "road") search(s.text); // a village, 鄰 or landmark: show it
    else {
      input.focus();
      suggest(); // a road: keep typing the number
    }
  }

  /* No plate for the text: the previous card and its ?plate= go (the URL says what was asked), and the
   * suggestions are buttons that search again. */
  function notFound(text, suggestions) {
    clearCard({ url: window.location.pathname + "?" + new URLSearchParams({ q: text }) });
    const message = fmt(T.notFound, { q: text });
    announce(message + (suggestions.length ? " " + T.didYouMean + " " + suggestions.slice(0, 5).join("、") : ""));
    if (!suggestions.length) return;
    const box = document.createElement("div");
    box.className = "plate-card suggestions";
    box.id = "did-you-mean";
    const p = document.createElement("p");
    p.textContent = T.didYouMean;
    const list = document.createElement("ul");
    suggestions.slice(0, 5).forEach((suggestion) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "choice";
      button.lang = "zh-Hant";
      button.textContent = suggestion;
      button.addEventListener("click", () => {
        input.value = suggestion;
        search(suggestion);
      });
      li.appendChild(button);
      list.appendChild(li);
    });
    box.append(p, list);
    cardSlot.replaceChildren(box);
    showSheetAtLeast("half");
  }

  /* Fit the map to a WGS84 bbox [minLon, minLat, maxLon, maxLat], leaving the bottom sheet's part clear. */
  function fitBox(bbox) {
    map.fitBounds([[bbox[1], bbox[0]], [bbox[3], bbox[2]]], {
      maxZoom: 18, paddingTopLeft: [40, 40], paddingBottomRight: [40, 40 + coveredHeight()],
    });
  }

  function element(tag, className, text, lang) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text != null) el.textContent = text;
    if (lang) el.lang = lang;
    return el;
  }

  function rangeText(range) {
    return range ? range[0] + "–" + range[1] : "—";
  }

  /* A road (or lane) named without a number: the map moves to it, a box gives its numbers and its page. */
  function showRoad(result) {
    const road = result.road;
    clearCard({ url: window.location.pathname + "?" + new URLSearchParams({ q: result.query }) });
    const box = element("div", "plate-card road-summary");
    box.id = "road-summary";
    const title = element("h2", null, road.name, "zh-Hant");
    box.appendChild(title);
    if (road.name_en) box.appendChild(element("p", "address-en", road.name_en, "en"));
    const facts = element("dl", "card-facts");
    [[T.oddNumbers, rangeText(road.odd)], [T.evenNumbers, rangeText(road.even)], [T.platesCount, String(road.plates)]]
      .concat(road.lanes ? [[T.lanesCount, String(road.lanes)]] : [])
      .forEach(([label, value]) => facts.append(element("dt", null, label), element("dd", null, value)));
    box.appendChild(facts);
    if (road.road_id) {
      const link = element("a", "road-page-link", T.roadPage);
      link.href = config.api.road + road.road_id;
      box.appendChild(element("p")).appendChild(link);
    }
    cardSlot.replaceChildren(box);
    L.rectangle([[road.bbox[1], road.bbox[0]], [road.bbox[3], road.bbox[2]]], {
      color: "#bf360c", weight: 2, dashArray: "6 4", fill: false, interactive: false,
    }).addTo(highlight);
    showSheetAtLeast("half");
    fitBox(road.bbox);
    announceAddress(T.plateShown, road.name);
  }

  /* Places named without a number (a landmark, a village, a 鄰, a named area): outlined on the map, listed with
   * what kind of place each is; a landmark's door plates open their cards. */
  function showPlaces(result) {
    clearCard({ url: window.location.pathname + "?" + new URLSearchParams({ q: result.query }) });
    const box = element("div", "plate-card places");
    box.id = "places";
    const bounds = [];
    result.places.forEach((place) => {
      const section = element("section", "place");
      const kind = element("p", "place-kind", T["place_" + place.kind] || place.kind);
      const title = element("h2", null, place.name, "zh-Hant");
      section.append(kind, title);
      if (place.name_en && english) section.appendChild(element("p", "address-en", place.name_en, "en"));
      const facts = [fmt(T.placePlates, { n: place.plates })];
      if (place.kind === "village" && place.neighborhoods) facts.push(fmt(T.placeHoods, { n: place.neighborhoods }));
      section.appendChild(element("p", null, facts.join(" · ")));
      if (place.outline_approximate) section.appendChild(element("p", "card-note", T.outlineApproximate));
      if (place.addresses && place.addresses.length) {
        const list = document.createElement("ul");
        place.addresses.forEach((address) => {
          const button = element("button", "choice", address, "zh-Hant");
          button.type = "button";
          button.addEventListener("click", () => {
            input.value = address;
            search(address);
          });
          list.appendChild(document.createElement("li")).appendChild(button);
        });
        section.appendChild(list);
      }
      box.appendChild(section);
      if (place.outline) {
        L.geoJSON(place.outline, {
          style: { color: "#bf360c", weight: 2, dashArray: place.outline_approximate ? "6 4" : null, fillColor: "#ffca28", fillOpacity: 0.15 },
          interactive: false,
        }).addTo(highlight);
      }
      L.circleMarker([place.lat, place.lon], { radius: 6, color: "#bf360c", weight: 3, fill: false, interactive: false }).addTo(highlight);
      bounds.push([place.bbox[1], place.bbox[0]], [place.bbox[3], place.bbox[2]]);
    });
    (result.notes || []).slice(0, 1).forEach((note) => box.insertBefore(element("p", "card-note", note), box.firstChild));
    cardSlot.replaceChildren(box);
    showSheetAtLeast("half");
    map.fitBounds(bounds, { maxZoom: 18, paddingTopLeft: [40, 40], paddingBottomRight: [40, 40 + coveredHeight()] });
    announceAddress(T.plateShown, result.places.map((place) => place.name).join("、"));
  }

  async function search(text) {
    announce(T.searching);
    const response = await fetch(config.api.geocode + "?" + new URLSearchParams({ q: text.slice(0, 200), limit: 5 }));
    if (!response.ok) {
      announce(response.status === 429 ? T.tooMany : fmt(T.searchFailed, { status: response.status }));
      return;
    }
    const result = await response.json();
    if (result.places && result.places.length) showPlaces(result);
    else if (result.road) showRoad(result);
    else if (!result.hits.length || result.grade === "none") notFound(text, result.suggestions || []);
    else if (result.hits.length > 1) showChoices(result.hits, result.grade);
    else if (result.hits[0].plate_id == null) showApproximate(result.hits[0], result);
    else await openPlate(result.hits[0].plate_id, { grade: result.grade });
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 120);
  });
  input.addEventListener("focus", () => showSheetAtLeast("half"));
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
  const done = $("report-done");
  const sendButton = form.querySelector("button[type=submit]");
  let opener = null;
  let sending = false;

  /* A random key per filled-in form: a second tap, or a resend after a lost answer, gets the same report back. */
  function submissionKey() {
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function openReport(target) {
    opener = document.activeElement;
    form.reset();
    form.hidden = false;
    done.hidden = true;
    sendButton.disabled = false;
    $("report-submission").value = submissionKey();
    $("report-plate").value = target.plate || "";
    $("report-lat").value = target.lat || "";
    $("report-lon").value = target.lon || "";
    if (target.address) {
      // "Door plate: <address>": the address marked as Chinese text, like every address on the page.
      const [before, after] = T.reportPlate.split("{address}");
      const span = document.createElement("span");
      span.lang = "zh-Hant";
      span.textContent = target.address;
      $("report-target").replaceChildren(before || "", span, after || "");
    } else $("report-target").textContent = target.label;
    reportStatus.textContent = "";
    dialog.showModal();
    form.querySelector("input[name=kind]").focus();
  }
  dialog.addEventListener("close", () => opener && opener.focus && opener.focus());
  dialog.querySelectorAll("[data-action=close-report]").forEach((button) => button.addEventListener("click", () => dialog.close()));
  $("report-copy").addEventListener("click", async () => {
    const reference = $("report-reference").textContent;
    try {
      await navigator.clipboard.writeText(reference);
    } catch (err) {
      /* the reference stays on screen to write down */
    }
    $("report-copy").textContent = T.copied;
    setTimeout(() => ($("report-copy").textContent = T.copy), 2000);
  });

  function showDone(data) {
    form.hidden = true;
    done.hidden = false;
    $("report-reference").textContent = data.reference;
    $("report-status-link").href = data.status_url;
    $("report-done-title").focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (sending) return; // a double tap sends once
    sending = true;
    sendButton.disabled = true;
    reportStatus.textContent = T.reportSending;
    try {
      const body = new FormData(form);
      const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
      const response = await fetch(form.action, { method: "POST", body: body, headers: { "X-CSRFToken": token, Accept: "application/json" } });
      let data = {};
      try {
        data = await response.json();
      } catch (err) {
        data = { error: String(response.status) };
      }
      if (response.status === 201 || response.status === 200) {
        reportStatus.textContent = "";
        showDone(data);
      } else {
        const details = [];
        Object.entries(data.fields || {}).forEach(([, messages]) => details.push(...[].concat(messages)));
        reportStatus.textContent = T.reportFailed + " " + (details.join(" ") || data.error || data.detail || response.status);
        sendButton.disabled = false;
      }
    } catch (err) {
      reportStatus.textContent = T.reportFailed + " " + err.message;
      sendButton.disabled = false;
    } finally {
      sending = false;
    }
  });
})();
