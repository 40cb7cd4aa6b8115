/* Office census pages: the maps (Leaflet from django-leaflet's static files, no CDN).
   - #draw-map: draw the campaign area (Leaflet.draw); the polygon goes into the area field as GeoJSON (WGS84).
   - #tasks-map: a campaign's tasks from its GeoJSON endpoint, coloured by state (colours from office.css).
   - #task-map: one task's outline, its stops in walking order and the points of its findings.
   - #proposals-map: the open proposals' points, numbered like the list beside it.
   No inline script: the page's Content Security Policy allows scripts from our own origin only. */
(function () {
  "use strict";

  function baseMap(el) {
    var lat = parseFloat(el.dataset.lat || "24.79"), lon = parseFloat(el.dataset.lon || "120.99");
    var map = L.map(el, { center: [lat, lon], zoom: parseInt(el.dataset.zoom || "14", 10), maxZoom: 19 });
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: "&copy; OpenStreetMap contributors" }).addTo(map);
    }
    return map;
  }

  function stateColour(state) {
    var value = getComputedStyle(document.documentElement).getPropertyValue("--" + state).trim();
    return value || "#0b3d5c";
  }

  function fetchJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } }).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.json();
    });
  }

  function text(tag, value) {
    var node = document.createElement(tag);
    node.textContent = value;
    return node;
  }

  function drawMap(el) {
    var map = baseMap(el);
    var field = document.getElementById(el.dataset.target);
    var drawn = new L.FeatureGroup().addTo(map);
    function show(geojson) {
      drawn.clearLayers();
      L.geoJSON(geojson).eachLayer(function (layer) { drawn.addLayer(layer); });
      if (drawn.getLayers().length) { map.fitBounds(drawn.getBounds(), { maxZoom: 17 }); }
    }
    if (field && field.value.trim()) {
      try { show(JSON.parse(field.value)); } catch (e) { /* the form says what is wrong with it */ }
    }
    var control = new L.Control.Draw({
      draw: { polygon: { allowIntersection: false, showArea: false }, polyline: false, rectangle: true, circle: false,
              marker: false, circlemarker: false },
      edit: { featureGroup: drawn, remove: true }
    });
    map.addControl(control);
    function write() {
      var layers = drawn.getLayers();
      if (!field) { return; }
      if (!layers.length) { field.value = ""; return; }
      var geometry = layers[layers.length - 1].toGeoJSON(6).geometry;
      field.value = JSON.stringify(geometry);
    }
    map.on(L.Draw.Event.CREATED, function (event) { drawn.clearLayers(); drawn.addLayer(event.layer); write(); });
    map.on(L.Draw.Event.EDITED, write);
    map.on(L.Draw.Event.DELETED, write);
  }

  function tasksMap(el) {
    var map = baseMap(el);
    var taskUrl = el.dataset.taskUrl;
    fetchJSON(el.dataset.geojson).then(function (data) {
      var layer = L.geoJSON(data, {
        style: function (feature) {
          var colour = stateColour(feature.properties.state);
          return { color: colour, weight: 2, fillColor: colour, fillOpacity: 0.35 };
        },
        onEachFeature: function (feature, shape) {
          var p = feature.properties;
          var box = document.createElement("div");
          var link = text("a", "#" + p.number + " " + p.label);
          link.href = taskUrl.replace("/0/", "/" + feature.id + "/");
          box.appendChild(link);
          box.appendChild(text("div", (el.dataset["label" + p.state.charAt(0).toUpperCase() + p.state.slice(1)] || p.state) +
            (p.assignee ? " · " + p.assignee : "") + " · " + p.stops));
          shape.bindPopup(box);
        }
      }).addTo(map);
      if (data.features.length) { map.fitBounds(layer.getBounds(), { maxZoom: 17 }); }
      el.dataset.loaded = String(data.features.length);
    });
  }

  function taskMap(el) {
    var map = baseMap(el);
    var stopLabel = el.dataset.labelStop || "Stop";
    fetchJSON(el.dataset.geojson).then(function (data) {
      var group = L.featureGroup().addTo(map);
      var walk = [];
      data.features.forEach(function (feature) {
        var p = feature.properties, c = feature.geometry.coordinates;
        if (p.role === "outline") {
          L.geoJSON(feature, { style: { color: "#0b3d5c", weight: 2, fillOpacity: 0.08 } }).addTo(group);
        } else if (p.role === "stop") {
          walk.push([c[1], c[0]]);
          L.circleMarker([c[1], c[0]], { radius: 6, color: "#fff", weight: 2, fillColor: "#0b3d5c", fillOpacity: 1 })
            .bindTooltip(stopLabel + " " + p.seq + ": " + p.label).addTo(group);
        } else if (p.role === "finding") {
          var colour = p.conflict ? stateColour("claimed") : stateColour("returned");
          L.circleMarker([c[1], c[0]], { radius: 8, color: colour, weight: 3, fillColor: "#fff", fillOpacity: 1 })
            .bindTooltip(p.label).on("click", function () {
              var row = document.getElementById("finding-" + p.finding);
              if (row) { row.scrollIntoView({ behavior: "smooth", block: "center" }); }
            }).addTo(group);
        }
      });
      if (walk.length > 1) { L.polyline(walk, { color: "#0b3d5c", weight: 1, dashArray: "4 4" }).addTo(group); }
      if (group.getLayers().length) { map.fitBounds(group.getBounds(), { maxZoom: 19, padding: [10, 10] }); }
      el.dataset.loaded = String(data.features.length);
    });
  }

  function proposalsMap(el) {
    var map = baseMap(el);
    var items = document.querySelectorAll(el.dataset.points + " [data-lon]");
    var group = L.featureGroup().addTo(map);
    items.forEach(function (item) {
      var icon = L.divIcon({ className: "census-marker", html: "", iconSize: [26, 26] });
      var marker = L.marker([parseFloat(item.dataset.lat), parseFloat(item.dataset.lon)], {
        icon: icon, title: item.querySelector("h2").textContent, keyboard: true
      });
      marker.on("add", function () { marker.getElement().textContent = item.dataset.label; });
      marker.on("click", function () { item.scrollIntoView({ behavior: "smooth", block: "start" }); });
      marker.addTo(group);
    });
    if (group.getLayers().length) { map.fitBounds(group.getBounds(), { maxZoom: 18, padding: [20, 20] }); }
  }

  function start() {
    if (typeof L === "undefined") { return; }
    var el;
    if ((el = document.getElementById("draw-map")) && L.Control.Draw) { drawMap(el); }
    if ((el = document.getElementById("tasks-map"))) { tasksMap(el); }
    if ((el = document.getElementById("task-map"))) { taskMap(el); }
    if ((el = document.getElementById("proposals-map"))) { proposalsMap(el); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
