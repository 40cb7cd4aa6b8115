/* Renumbering pages: the drafting map (a road's plates; clicking one chooses it or leaves it out, kept in the
   hidden plate_ids field) and the plan's map (old and new address of each plate). No inline script (CSP). */
(function () {
  "use strict";

  function baseMap(el) {
    var map = L.map(el, { preferCanvas: true });
    map.setView([24.8, 120.97], 14);
    return map;
  }

  function draftingMap() {
    var el = document.getElementById("draft-map");
    var road = document.getElementById("id_road");
    var field = document.getElementById("id_plate_ids");
    var count = document.getElementById("chosen-count");
    if (!el || !road || !field) return;
    var map = baseMap(el);
    var layer = L.layerGroup().addTo(map);
    var chosen = new Set(field.value.split(",").filter(Boolean));
    function sync() {
      field.value = Array.from(chosen).join(",");
      count.textContent = String(chosen.size);
    }
    function style(id) {
      var on = chosen.has(String(id));
      return { radius: on ? 7 : 5, color: on ? "#8b0000" : "#0d4f8b", weight: 2, fillOpacity: on ? 0.9 : 0.4 };
    }
    function load() {
      layer.clearLayers();
      if (!road.value) return;
      var url = road.dataset.platesUrl.replace("/0/", "/" + road.value + "/");
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
        var bounds = [];
        data.features.forEach(function (f) {
          var ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
          bounds.push(ll);
          var id = String(f.properties.id);
          var marker = L.circleMarker(ll, style(id)).bindTooltip(f.properties.address);
          marker.on("click", function () {
            if (chosen.has(id)) chosen.delete(id); else chosen.add(id);
            marker.setStyle(style(id));
            sync();
          });
          marker.options.plateId = id;
          layer.addLayer(marker);
        });
        if (bounds.length) map.fitBounds(bounds, { padding: [20, 20] });
        el.dataset.loaded = String(data.features.length);
      });
    }
    road.addEventListener("change", function () { chosen.clear(); sync(); load(); });
    sync();
    load();
  }

  function planMap() {
    var el = document.getElementById("plan-map");
    if (!el) return;
    var map = baseMap(el);
    fetch(el.dataset.url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      var bounds = [];
      data.features.forEach(function (f) {
        var ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
        bounds.push(ll);
        L.circleMarker(ll, { radius: 5, color: f.properties.conflict ? "#8b0000" : "#0d4f8b", weight: 2 })
          .bindTooltip(f.properties.position + ". " + f.properties.old + " → " + (f.properties["new"] || "—"))
          .addTo(map);
      });
      if (bounds.length) map.fitBounds(bounds, { padding: [20, 20] });
      el.dataset.loaded = String(data.features.length);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    draftingMap();
    planMap();
  });
})();
