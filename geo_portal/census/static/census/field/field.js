/* geo_portal census field app: tasks, the task map with its stops in walking order, findings per stop, photos
 * compressed on the device, and an offline queue in IndexedDB (idb) that syncs when a connection returns.
 *
 * Offline first: a claimed task's package (stops, plates with versions, hints, outline, buildings and neighbouring
 * plates) is stored in IndexedDB; the page and its static files are served by the service worker (sw.js). While
 * the browser says it is offline the app sends nothing at all: every request goes through api(), which refuses.
 * A finding counts as synced once the server stored it (or had it) and, if it has a photo, the photo arrived.
 * Plain ES2019, no build step; configuration and translated strings come from the #field-config JSON. */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("field-config").textContent);
  const T = config.text;
  const $ = (id) => document.getElementById(id);
  const fmt = (template, values) => template.replace(/\{(\w+)\}/g, (_, key) => (key in values ? values[key] : ""));
  const SHELL_CACHE = "geo-portal-field-shell";
  const BATCH = 500;
  const PHOTO_MAX_SIDE = 1600;
  const NEEDS_POINT = new Set(["wrong_position", "unregistered", "no_plate"]);
  const NEEDS_WRITTEN = new Set(["number_differs", "unregistered"]);
  const WITHOUT_PLATE = new Set(["unregistered", "no_plate"]);

  const state = {
    db: null,
    device: null,
    task: null, // the open task's IndexedDB record
    stopIndex: 0,
    point: null, // {lon, lat, accuracy} chosen for the current finding
    photo: null, // compressed Blob for the current finding
    gps: null, // last position {lon, lat, accuracy}
    shellCached: false,
    swReady: false,
    syncing: null,
  };

  class Offline extends Error {}
  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  /* ---------- small helpers ---------- */

  function announce(text) {
    $("status").textContent = text;
  }

  function banner(text, link) {
    const box = $("banner");
    box.textContent = text;
    if (link) {
      const a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      box.append(" ", a);
    }
    box.hidden = !text;
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => {
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach((child) => node.append(child));
    return node;
  }

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  /* The device's local time with its offset, e.g. 2026-06-10T09:30:00.000+08:00 (the server requires the offset). */
  function isoNow() {
    const d = new Date();
    const off = -d.getTimezoneOffset();
    const sign = off >= 0 ? "+" : "-";
    const abs = Math.abs(off);
    return (
      `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:` +
      `${pad(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, "0")}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
    );
  }

  function clock(iso) {
    const d = new Date(iso);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }

  function duration(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    return `${Math.floor(s / 3600)}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function uuid4() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  const NIL_UUID = "00000000-0000-0000-0000-000000000000";
  const urlFor = (template, id) => (template.includes(NIL_UUID) ? template.replace(NIL_UUID, id) : template.replace("/0/", `/${id}/`));

  function lapsed(task) {
    return !task.lockExpiresAt || new Date(task.lockExpiresAt).getTime() <= Date.now();
  }

  /* ---------- storage (IndexedDB through idb) ---------- */

  async function openStore() {
    state.db = await idb.openDB(`geo-portal-field-${config.user.id}`, 1, {
      upgrade(db) {
        db.createObjectStore("meta");
        db.createObjectStore("tasks", { keyPath: "id" });
        db.createObjectStore("findings", { keyPath: "uuid" }).createIndex("task", "task");
        db.createObjectStore("photos", { keyPath: "uuid" });
      },
    });
    state.device = await state.db.get("meta", "device");
    if (!state.device) {
      state.device = uuid4();
      await state.db.put("meta", state.device, "device");
    }
  }

  const synced = (f) => f.status === "stored" && f.photo !== "pending";

  async function findingsOf(taskId) {
    return state.db.getAllFromIndex("findings", "task", taskId);
  }

  async function pendingFindings() {
    return (await state.db.getAll("findings")).filter((f) => !synced(f));
  }

  async function renderPending() {
    const n = (await pendingFindings()).length;
    $("pending-count").textContent = String(n);
    $("pending-text").textContent = n ? fmt(T.pending, { n }) : T.allSynced;
    $("sync-btn").classList.toggle("has-pending", n > 0);
    return n;
  }

  /* ---------- network: nothing leaves the device while the browser says it is offline ---------- */

  async function api(url, options) {
    options = options || {};
    if (!navigator.onLine) throw new Offline(T.offlineQueued);
    if (await state.db.get("meta", "revoked")) throw new ApiError(410, T.revoked);
    const headers = Object.assign({ Accept: "application/json", "X-Field-Device": state.device }, options.headers || {});
    if (options.method === "POST") headers["X-CSRFToken"] = csrfToken();
    let response;
    try {
      response = await fetch(url, Object.assign({}, options, { headers, credentials: "same-origin", cache: "no-store" }));
    } catch (error) {
      throw new Offline(T.offlineQueued);
    }
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    if (response.status === 410 && data && data.wipe) {
      await wipe(data.detail || "");
      throw new ApiError(410, fmt(T.revoked, { detail: data.detail || "" }));
    }
    if (response.status === 401) {
      banner(T.signedOut, { href: (data && data.login) || config.urls.login, text: T.signIn });
      throw new ApiError(401, T.signedOut);
    }
    if (!response.ok) throw new ApiError(response.status, (data && data.detail) || fmt(T.httpError, { status: response.status }));
    return data;
  }

  function postJSON(url, body) {
    return api(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {}) });
  }

  /* A revoked device (lost phone): every census record on it goes, and the app stays locked. */
  async function wipe(detail) {
    const tx = state.db.transaction(["tasks", "findings", "photos", "meta"], "readwrite");
    await Promise.all([tx.objectStore("tasks").clear(), tx.objectStore("findings").clear(), tx.objectStore("photos").clear()]);
    await tx.objectStore("meta").put(detail || "revoked", "revoked");
    await tx.done;
    state.task = null;
    showRevoked(detail);
    showView("tasks");
    await renderTasks();
    await renderPending();
  }

  function showRevoked(detail) {
    banner(fmt(T.revoked, { detail: detail || "" }));
    document.body.classList.add("revoked");
  }

  /* ---------- the app shell, kept for offline starts ---------- */

  async function refreshShell() {
    if (!navigator.onLine || !("caches" in window)) return;
    let response;
    try {
      response = await fetch(config.urls.app, { credentials: "same-origin", cache: "no-store" });
    } catch (error) {
      return;
    }
    if (!response.ok || response.headers.get("X-Field-Shell") !== "1") return;
    const html = await response.clone().text();
    const cache = await caches.open(SHELL_CACHE);
    await cache.put(config.urls.app, response);
    state.shellCached = true;
    const lang = (html.match(/<html lang="([^"]+)"/) || [])[1];
    const user = (html.match(/data-user="(\d+)"/) || [])[1];
    if ((lang && lang !== document.documentElement.lang) || (user && user !== String(config.user.id))) {
      window.location.reload();
    }
  }

  async function registerWorker() {
    if (!("serviceWorker" in navigator)) return;
    try {
      await navigator.serviceWorker.register(config.urls.sw, { scope: config.urls.app, updateViaCache: "all" });
      await navigator.serviceWorker.ready;
      state.swReady = true;
    } catch (error) {
      announce(String(error));
    }
  }

  async function askPersistence() {
    if (!(navigator.storage && navigator.storage.persist)) return;
    let kept = await navigator.storage.persisted();
    if (!kept) kept = await navigator.storage.persist();
    $("storage-note").textContent = kept ? T.storageKept : T.storageMayBeCleared;
  }

  async function renderReadiness() {
    if (!state.shellCached && "caches" in window) {
      state.shellCached = Boolean(await caches.match(config.urls.app, { cacheName: SHELL_CACHE }));
    }
    const tasks = await state.db.getAll("tasks");
    const ready = state.swReady && state.shellCached && tasks.every((t) => t.package);
    const box = $("offline-ready");
    box.textContent = ready ? T.ready : T.notReady;
    box.dataset.ready = ready ? "1" : "0";
  }

  /* ---------- tasks ---------- */

  async function storePackage(pkg) {
    const old = await state.db.get("tasks", pkg.task.id);
    await state.db.put(
      "tasks",
      Object.assign({}, old || {}, {
        id: pkg.task.id,
        package: pkg,
        lockExpiresAt: pkg.task.lock_expires_at,
        serverState: pkg.task.state,
        downloadedAt: pkg.downloaded_at,
      }),
    );
  }

  async function refreshFromServer() {
    if (!navigator.onLine) return null;
    const near = state.near ? `?lon=${state.near.lon}&lat=${state.near.lat}` : "";
    const data = await api(config.urls.tasks + near);
    for (const summary of data.mine) {
      const local = await state.db.get("tasks", summary.id);
      if (summary.state === "claimed" && summary.mine) {
        await storePackage(await api(urlFor(config.urls.package, summary.id)));
      } else if (local) {
        local.lockExpiresAt = summary.lock_expires_at;
        local.serverState = summary.state;
        await state.db.put("tasks", local);
      }
    }
    state.claimable = data.claimable;
    return data;
  }

  async function taskProgress(task) {
    const findings = await findingsOf(task.id);
    const done = new Set(findings.filter((f) => f.stop && f.status !== "error").map((f) => f.stop));
    (task.package.received || []).forEach((r) => r.stop && done.add(r.stop));
    return { done: task.package.stops.filter((s) => done.has(s.id)).length, total: task.package.stops.length, findings };
  }

  async function renderTasks() {
    const list = $("my-tasks");
    list.replaceChildren();
    const tasks = (await state.db.getAll("tasks")).filter((t) => t.package);
    if (!tasks.length) list.append(el("li", { className: "empty", text: T.noTasks }));
    for (const task of tasks) {
      const t = task.package.task;
      const progress = await taskProgress(task);
      const waiting = progress.findings.filter((f) => !synced(f)).length;
      const lines = [
        el("h3", { text: `#${t.number} ${t.label}` }),
        el("p", { text: t.campaign.name }),
        el("p", { text: fmt(T.stops, progress) + (waiting ? ` · ${fmt(T.pending, { n: waiting })}` : "") }),
        el("p", {
          className: lapsed(task) ? "warning-text" : "",
          text: lapsed(task) ? fmt(T.lockLapsed, { time: task.lockExpiresAt ? clock(task.lockExpiresAt) : "—" }) : fmt(T.expiresAt, { time: clock(task.lockExpiresAt) }),
        }),
        el("button", { className: "btn btn-primary", type: "button", "data-task": t.id, text: T.open, onclick: () => openTask(t.id) }),
      ];
      list.append(el("li", { className: "card", id: `task-${t.id}` }, lines));
    }
    const claimable = $("claimable");
    claimable.replaceChildren();
    if (!navigator.onLine && !state.claimable) {
      claimable.append(el("li", { className: "empty", text: T.claimableOffline }));
      return;
    }
    const held = new Set(tasks.map((t) => t.id));
    const offers = (state.claimable || []).filter((t) => !held.has(t.id));
    if (!offers.length) claimable.append(el("li", { className: "empty", text: T.noClaimable }));
    offers.forEach((t) => {
      const facts = [fmt(T.plates, { n: t.plate_count }), fmt(T.hints, { n: t.hint_count })];
      if (t.distance_m !== null) facts.push(fmt(T.distance, { d: Math.round(t.distance_m) }));
      if (t.returned) facts.unshift(T.returned);
      claimable.append(
        el("li", { className: "card" }, [
          el("h3", { text: `#${t.number} ${t.label}` }),
          el("p", { text: `${t.campaign.name} · ${fmt(T.stops, { done: 0, total: t.stop_count })}` }),
          el("p", { text: facts.join(" · ") }),
          el("button", { className: "btn btn-primary", type: "button", "data-claim": t.id, text: `${T.claim} #${t.number}`, onclick: () => claim(t.id) }),
        ]),
      );
    });
  }

  async function claim(taskId) {
    try {
      const data = await postJSON(urlFor(config.urls.claim, taskId));
      await storePackage(data.package);
      state.claimable = (state.claimable || []).filter((t) => t.id !== taskId);
      announce(fmt(T.claimed, { n: data.task.number }));
      await renderTasks();
      await renderReadiness();
    } catch (error) {
      announce(error.message);
    }
  }

  /* Tasks whose claim ended and whose findings are all on the server leave the device (they expire with the lock). */
  async function expireTasks() {
    const notes = [];
    for (const task of await state.db.getAll("tasks")) {
      if (!lapsed(task) && task.serverState !== "submitted" && task.serverState !== "validated") continue;
      if (task.submitRequested) continue;
      const findings = await findingsOf(task.id);
      if (findings.some((f) => !synced(f))) continue;
      const tx = state.db.transaction(["tasks", "findings", "photos"], "readwrite");
      findings.forEach((f) => {
        tx.objectStore("findings").delete(f.uuid);
        tx.objectStore("photos").delete(f.uuid);
      });
      tx.objectStore("tasks").delete(task.id);
      await tx.done;
      notes.push(fmt(T.taskRemoved, { n: task.package.task.number }));
    }
    if (notes.length) announce(notes.join(" "));
  }

  /* ---------- sync ---------- */

  function syncNow() {
    if (!state.syncing) state.syncing = doSync().finally(() => (state.syncing = null));
    return state.syncing;
  }

  async function doSync() {
    if (!navigator.onLine) {
      announce(T.offlineQueued);
      return;
    }
    announce(T.syncing);
    const totals = { stored: 0, duplicates: 0, errors: 0 };
    const lapseNotes = [];
    try {
      let queue = (await state.db.getAll("findings")).filter((f) => f.status !== "stored");
      let first = true;
      while (first || queue.length) {
        first = false;
        const batch = queue.slice(0, BATCH);
        queue = queue.slice(BATCH);
        const submit = (await state.db.getAll("tasks")).filter((t) => t.submitRequested).map((t) => t.id);
        batch.forEach((f) => (f.sent = true));
        await Promise.all(batch.map((f) => state.db.put("findings", f)));
        const result = await postJSON(config.urls.sync, { device: state.device, findings: batch.map((f) => f.record), submit: queue.length ? [] : submit });
        totals.stored += result.stored;
        totals.duplicates += result.duplicates;
        totals.errors += result.errors;
        await applyResults(batch, result);
        await applyTaskStates(result, lapseNotes);
      }
      await uploadPhotos();
      const n = await renderPending();
      announce([fmt(T.synced, totals), ...lapseNotes, n ? fmt(T.pending, { n }) : T.allSynced].join(" "));
    } catch (error) {
      if (error.status !== 410) announce(fmt(T.syncFailed, { reason: error.message }));
    }
    await renderPending();
    if (state.task) {
      state.task = (await state.db.get("tasks", state.task.id)) || state.task; // its claim may have changed
      await renderStopStatus();
    } else await renderTasks();
  }

  async function applyResults(batch, result) {
    const byUuid = new Map(batch.map((f) => [f.uuid, f]));
    for (const r of result.records) {
      const f = byUuid.get(r.uuid);
      if (!f) continue;
      if (r.status === "error") {
        f.status = "error";
        f.errors = r.errors || {};
      } else {
        f.status = "stored";
        f.errors = null;
        f.conflict = Boolean(r.conflict);
        f.superseded = Boolean(r.superseded);
        f.photo = f.record.has_photo ? (r.photo_needed ? "pending" : "done") : "none";
        if (f.photo === "done") await state.db.delete("photos", f.uuid);
      }
      await state.db.put("findings", f);
    }
  }

  async function applyTaskStates(result, notes) {
    for (const [id, answer] of Object.entries(result.submitted || {})) {
      const task = await state.db.get("tasks", Number(id));
      if (!task) continue;
      task.submitRequested = false;
      if (answer === "submitted") {
        task.serverState = "submitted";
        notes.push(fmt(T.submitted, { n: task.package.task.number }));
      } else {
        notes.push(fmt(T.submitRefused, { n: task.package.task.number, reason: answer }));
      }
      await state.db.put("tasks", task);
    }
    for (const [id, info] of Object.entries(result.tasks || {})) {
      const task = await state.db.get("tasks", Number(id));
      if (!task) continue;
      task.serverState = info.state;
      if (info.held) {
        task.lockExpiresAt = info.lock_expires_at;
      } else if (info.lapsed) {
        // The claim ended on the server. Its expiry, if the server still has it; else the one the device knew, if
        // already past; else now (the claim was released while the device was away).
        if (info.lock_expires_at) task.lockExpiresAt = info.lock_expires_at;
        else if (!lapsed(task)) task.lockExpiresAt = new Date().toISOString();
        notes.push(fmt(T.lockLapsedSynced, { n: info.number, time: clock(task.lockExpiresAt) }));
      }
      await state.db.put("tasks", task);
    }
  }

  async function uploadPhotos() {
    for (const f of (await state.db.getAll("findings")).filter((x) => x.status === "stored" && x.photo === "pending")) {
      const stored = await state.db.get("photos", f.uuid);
      if (!stored) continue;
      const form = new FormData();
      form.append("photo", stored.blob, `${f.uuid}.jpg`);
      try {
        await api(urlFor(config.urls.photo, f.uuid), { method: "POST", body: form });
        f.photo = "done";
        f.photoError = null;
        await state.db.put("findings", f);
        await state.db.delete("photos", f.uuid);
      } catch (error) {
        if (error instanceof Offline || error.status === 410) throw error;
        f.photoError = error.message; // retried at the next sync
        await state.db.put("findings", f);
      }
    }
  }

  /* ---------- the task view ---------- */

  let map = null;
  const layers = {};

  function ensureMap() {
    if (map) return map;
    map = L.map("map", { zoomControl: true, attributionControl: true, minZoom: 14, maxZoom: 20 });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(T.buildingsCredit);
    window.geoPortalFieldMap = map; // for the browser tests and the console
    return map;
  }

  function drawTask(task) {
    const m = ensureMap();
    Object.values(layers).forEach((layer) => layer && m.removeLayer(layer));
    const pkg = task.package;
    // The view first: Leaflet cannot draw paths on a map without one.
    const outline = L.geoJSON(pkg.task.outline);
    const bounds = outline.getBounds();
    if (bounds.isValid()) m.fitBounds(bounds, { padding: [12, 12], maxZoom: 18 });
    else m.setView([pkg.stops[0].lat, pkg.stops[0].lon], 18);
    const s = pkg.surroundings || { buildings: { type: "FeatureCollection", features: [] }, plates: [] };
    layers.buildings = L.geoJSON(s.buildings, { interactive: false, style: { color: "#4e342e", weight: 1, fillColor: "#a1887f", fillOpacity: 0.45 } }).addTo(m);
    layers.neighbours = L.layerGroup(
      s.plates.map((p) => L.circleMarker([p[1], p[0]], { radius: 3, color: "#555555", weight: 1, fillColor: "#9e9e9e", fillOpacity: 0.9, interactive: false })),
    ).addTo(m);
    layers.outline = L.geoJSON(pkg.task.outline, { interactive: false, style: { color: "#0b3d5c", weight: 3, dashArray: "6 4", fill: false } }).addTo(m);
    layers.walk = L.polyline(
      pkg.stops.map((st) => [st.lat, st.lon]),
      { color: "#0b3d5c", weight: 2, opacity: 0.6, interactive: false },
    ).addTo(m);
    layers.hints = L.layerGroup(
      pkg.stops.flatMap((st) =>
        st.hints.filter((h) => h.lat !== undefined).map((h) => L.rectangle(square(h.lat, h.lon, 4), { color: "#e65100", weight: 2, fillOpacity: 0.5, interactive: false })),
      ),
    ).addTo(m);
    layers.stops = L.layerGroup().addTo(m);
  }

  function square(lat, lon, metres) {
    const dLat = metres / 111320;
    const dLon = metres / (111320 * Math.cos((lat * Math.PI) / 180));
    return [
      [lat - dLat, lon - dLon],
      [lat + dLat, lon + dLon],
    ];
  }

  function drawStops(task, doneStops) {
    layers.stops.clearLayers();
    task.package.stops.forEach((st, i) => {
      const current = i === state.stopIndex;
      const done = doneStops.has(st.id);
      const marker = L.circleMarker([st.lat, st.lon], {
        radius: current ? 13 : 8,
        color: current ? "#000000" : "#ffffff",
        weight: current ? 4 : 2,
        fillColor: current ? "#ffd600" : done ? "#1b5e20" : "#0b3d5c",
        fillOpacity: 1,
      });
      marker.bindTooltip(`${st.seq}. ${st.label}`, { direction: "top" });
      marker.on("click", () => goToStop(i));
      layers.stops.addLayer(marker);
      if (current) marker.bringToFront();
    });
  }

  async function openTask(taskId, options) {
    const task = await state.db.get("tasks", taskId);
    if (!task || !task.package) return;
    const sameTask = state.task && state.task.id === taskId;
    state.task = task;
    if (!(options && options.keepStop && sameTask)) state.stopIndex = await firstOpenStop(task);
    showView("task");
    const t = task.package.task;
    $("task-title").textContent = `#${t.number} ${t.label}`;
    renderComments(task);
    renderLock();
    if (!sameTask || !map) drawTask(task);
    await renderStop();
    if (window.location.hash !== `#task-${taskId}`) history.replaceState(null, "", `#task-${taskId}`);
  }

  function renderComments(task) {
    const comments = task.package.task.comments || [];
    const box = $("comments");
    box.hidden = !comments.length || task.commentsRead;
    $("stop-panel").hidden = !box.hidden;
    if (!comments.length) return;
    $("comments-title").textContent = fmt(T.comments, { n: comments.length });
    $("comments-list").replaceChildren(...comments.map((c) => el("li", { text: `${clock(c.at)} ${c.by}: ${c.note}` })));
  }

  async function firstOpenStop(task) {
    const done = (await taskProgress(task)).findings.map((f) => f.stop);
    const received = new Set([...done, ...(task.package.received || []).map((r) => r.stop)]);
    const index = task.package.stops.findIndex((s) => !received.has(s.id));
    return index < 0 ? 0 : index;
  }

  function renderLock() {
    const task = state.task;
    if (!task) return;
    const box = $("lock-lapsed");
    if (lapsed(task)) {
      $("countdown").textContent = "";
      box.textContent = fmt(T.lockLapsed, { time: task.lockExpiresAt ? clock(task.lockExpiresAt) : "—" });
      box.hidden = false;
      $("extend-btn").hidden = true;
    } else {
      $("countdown").textContent = fmt(T.expiresIn, { time: duration(new Date(task.lockExpiresAt).getTime() - Date.now()) });
      box.hidden = true;
      $("extend-btn").hidden = false;
    }
  }

  /* The current stop: title, hints, plates, an empty form; then its status. */
  async function renderStop() {
    const task = state.task;
    const stop = task.package.stops[state.stopIndex];
    $("stop-title").textContent = `${stop.seq}. ${stop.label}`;
    $("stop-hints").replaceChildren(...stop.hints.map((h) => el("li", { className: `hint hint-${h.kind}`, text: hintText(h, stop) })));
    const options = $("plate-options");
    options.replaceChildren(
      ...stop.plates.map((p, i) =>
        el("label", { className: "choice" }, [el("input", { type: "radio", name: "plate", value: String(p.id), checked: i === 0 }), el("span", { text: ` ${p.address}` })]),
      ),
    );
    resetForm();
    await renderStopStatus();
    map.panTo([stop.lat, stop.lon]);
  }

  /* What is recorded at the current stop and which stops are done (the form is left as it is). */
  async function renderStopStatus() {
    const task = state.task;
    const stops = task.package.stops;
    const stop = stops[state.stopIndex];
    const progress = await taskProgress(task);
    const doneStops = new Set(progress.findings.filter((f) => f.status !== "error").map((f) => f.stop));
    (task.package.received || []).forEach((r) => doneStops.add(r.stop));
    const select = $("stop-select");
    select.replaceChildren(
      ...stops.map((st, i) =>
        el("option", { value: String(i), selected: i === state.stopIndex, "data-done": doneStops.has(st.id) ? "1" : "0", text: `${fmt(T.stopOf, { seq: st.seq, total: stops.length })} · ${st.label} · ${doneStops.has(st.id) ? T.stopDone : T.stopTodo}` }),
      ),
    );
    $("prev-stop").disabled = state.stopIndex === 0;
    $("next-stop").disabled = state.stopIndex === stops.length - 1;
    const recorded = progress.findings.filter((f) => f.stop === stop.id).sort((a, b) => (a.record.observed_at < b.record.observed_at ? -1 : 1));
    $("stop-recorded-box").hidden = !recorded.length;
    $("stop-recorded").replaceChildren(...recorded.map((f) => el("li", { className: `finding finding-${f.status}`, "data-uuid": f.uuid, text: findingText(f, stop) })));
    drawStops(task, doneStops);
    renderLock();
  }

  function hintText(h, stop) {
    if (h.kind === "gap_after") return fmt(T.hint_gap_after, { missing: (h.missing || []).join("、"), next: h.next });
    if (h.kind === "report") return fmt(T.hint_report, { what: T[`report_${h.report_kind}`] || h.report_kind });
    if (h.kind === "outside_village") {
      const plate = stop.plates.find((p) => p.id === h.plate);
      return fmt(T.hint_outside_village, { plate: plate ? plate.address : h.plate });
    }
    return T[`hint_${h.kind}`] || h.kind;
  }

  function kindLabel(kind) {
    const input = document.querySelector(`#kind-field input[value="${kind}"]`);
    return input ? input.parentElement.textContent.trim() : kind;
  }

  function findingText(f, stop) {
    const plate = stop.plates.find((p) => p.id === f.record.plate);
    const parts = [kindLabel(f.record.kind) + (plate ? ` – ${plate.address}` : f.record.written_address ? ` – ${f.record.written_address}` : "")];
    if (f.status === "error") parts.push(fmt(T.errorOn, { reason: Object.entries(f.errors || {}).map(([k, v]) => `${k}: ${v}`).join("; ") }));
    else if (f.status === "stored") parts.push(T.onServer);
    else parts.push(T.waiting);
    if (f.photo === "pending") parts.push(T.photoWaiting + (f.photoError ? ` (${f.photoError})` : ""));
    if (f.conflict) parts.push(T.conflict);
    if (f.superseded) parts.push(T.superseded);
    return parts.join(" · ");
  }

  function goToStop(i) {
    state.stopIndex = Math.max(0, Math.min(i, state.task.package.stops.length - 1));
    renderStop();
  }

  /* ---------- the finding form ---------- */

  let pointMarker = null;

  function resetForm() {
    $("finding-form").reset();
    document.querySelectorAll('#plate-options input[name="plate"]').forEach((input, i) => (input.checked = i === 0));
    state.point = null;
    state.photo = null;
    $("photo-preview").hidden = true;
    $("photo-preview").removeAttribute("src");
    $("form-error").textContent = "";
    $("point-text").textContent = "";
    updateFields();
  }

  function chosenKind() {
    const checked = document.querySelector('#kind-field input[name="kind"]:checked');
    return checked ? checked.value : "";
  }

  function updateFields() {
    const kind = chosenKind();
    $("plate-field").hidden = WITHOUT_PLATE.has(kind);
    $("point-field").hidden = !NEEDS_POINT.has(kind);
    $("written-field").hidden = !NEEDS_WRITTEN.has(kind);
    $("skip-field").hidden = kind !== "skipped";
    if (NEEDS_POINT.has(kind)) showPointMarker();
    else if (pointMarker) {
      map.removeLayer(pointMarker);
      pointMarker = null;
    }
  }

  function showPointMarker() {
    if (pointMarker) return;
    const stop = state.task.package.stops[state.stopIndex];
    const start = state.point ? [state.point.lat, state.point.lon] : [stop.lat, stop.lon];
    pointMarker = L.marker(start, {
      draggable: true,
      keyboard: true,
      title: T.draggedPoint,
      alt: T.draggedPoint,
      icon: L.divIcon({ className: "drag-pin", iconSize: [34, 34], iconAnchor: [17, 17] }),
    }).addTo(map);
    pointMarker.on("dragend", () => {
      const ll = pointMarker.getLatLng();
      setPoint({ lon: ll.lng, lat: ll.lat, accuracy: null }, T.draggedPoint);
    });
  }

  function setPoint(point, source) {
    state.point = { lon: Number(point.lon.toFixed(7)), lat: Number(point.lat.toFixed(7)), accuracy: point.accuracy === null ? null : Math.round(point.accuracy * 10) / 10 };
    if (pointMarker) pointMarker.setLatLng([state.point.lat, state.point.lon]);
    const accuracy = state.point.accuracy === null ? "" : fmt(T.accuracy, { m: Math.round(state.point.accuracy) });
    $("point-text").textContent = `${source}: ${fmt(T.pointSet, { lat: state.point.lat.toFixed(6), lon: state.point.lon.toFixed(6), accuracy })}`;
  }

  function buildRecord(kind, plate, stop, task) {
    return {
      uuid: uuid4(),
      task: task.package.task.id,
      stop: stop.id,
      plate: WITHOUT_PLATE.has(kind) ? null : plate.id,
      plate_version: WITHOUT_PLATE.has(kind) ? null : plate.version,
      kind: kind,
      observed_at: isoNow(),
      point: NEEDS_POINT.has(kind) ? state.point : null,
      written_address: NEEDS_WRITTEN.has(kind) ? $("written").value.trim() : "",
      skip_reason: kind === "skipped" ? $("skip-reason").value.trim() : "",
      note: $("note").value.trim(),
      has_photo: Boolean(state.photo),
    };
  }

  /* A finding not yet sent replaces an earlier unsent one for the same plate; once sent, the later observation
   * supersedes it on the server instead (the record sent is never changed: a resend must be identical). */
  async function storeFinding(record, photo) {
    const tx = state.db.transaction(["findings", "photos"], "readwrite");
    const findings = tx.objectStore("findings");
    if (record.plate !== null) {
      for (const old of await findings.index("task").getAll(record.task)) {
        if (!old.sent && old.record.plate === record.plate && old.record.stop === record.stop) {
          await findings.delete(old.uuid);
          await tx.objectStore("photos").delete(old.uuid);
        }
      }
    }
    await findings.put({ uuid: record.uuid, task: record.task, stop: record.stop, record, status: "pending", photo: photo ? "pending" : "none", sent: false, createdAt: Date.now() });
    if (photo) await tx.objectStore("photos").put({ uuid: record.uuid, blob: photo, type: photo.type });
    await tx.done;
  }

  async function saveFinding(event) {
    event.preventDefault();
    const task = state.task;
    const stop = task.package.stops[state.stopIndex];
    const kind = chosenKind();
    const plateInput = document.querySelector('#plate-options input[name="plate"]:checked');
    const plate = plateInput ? stop.plates.find((p) => String(p.id) === plateInput.value) : null;
    const problem = !kind
      ? T.chooseKind
      : !WITHOUT_PLATE.has(kind) && !plate
        ? T.choosePlate
        : NEEDS_POINT.has(kind) && !state.point
          ? T.needPoint
          : NEEDS_WRITTEN.has(kind) && !$("written").value.trim()
            ? T.needWritten
            : kind === "skipped" && !$("skip-reason").value.trim()
              ? T.needReason
              : "";
    if (problem) {
      $("form-error").textContent = problem;
      return;
    }
    const record = buildRecord(kind, plate, stop, task);
    await storeFinding(record, state.photo);
    await advance();
    const n = await renderPending(); // last: the count changes once the next stop is ready for input
    announce(fmt(T.saved, { what: `${kindLabel(kind)}${plate && !WITHOUT_PLATE.has(kind) ? ` – ${plate.address}` : ""}`, n }));
    if (navigator.onLine) syncNow();
  }

  async function allOk() {
    const task = state.task;
    const stop = task.package.stops[state.stopIndex];
    for (const plate of stop.plates) {
      state.photo = null;
      await storeFinding(buildRecord("ok", plate, stop, task), null);
    }
    await advance();
    await renderPending();
    announce(fmt(T.allOkSaved, { n: stop.plates.length }));
    if (navigator.onLine) syncNow();
  }

  async function advance() {
    const task = state.task;
    const progress = await taskProgress(task);
    const done = new Set(progress.findings.map((f) => f.stop));
    const stops = task.package.stops;
    let next = stops.findIndex((s, i) => i > state.stopIndex && !done.has(s.id));
    if (next < 0) next = Math.min(state.stopIndex + 1, stops.length - 1);
    state.stopIndex = next;
    await renderStop();
  }

  async function compressPhoto(file) {
    let source;
    let width;
    let height;
    if (window.createImageBitmap) {
      source = await createImageBitmap(file, { imageOrientation: "from-image" });
      width = source.width;
      height = source.height;
    } else {
      source = await new Promise((resolve, reject) => {
        const img = new Image();
        img.onload = () => resolve(img);
        img.onerror = () => reject(new Error("decode"));
        img.src = URL.createObjectURL(file);
      });
      width = source.naturalWidth;
      height = source.naturalHeight;
    }
    const scale = Math.min(1, PHOTO_MAX_SIDE / Math.max(width, height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    canvas.getContext("2d").drawImage(source, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("encode"))), "image/jpeg", 0.82));
  }

  async function photoChosen() {
    const file = $("photo-input").files[0];
    state.photo = null;
    $("photo-preview").hidden = true;
    if (!file) return;
    try {
      state.photo = await compressPhoto(file);
      const preview = $("photo-preview");
      preview.src = URL.createObjectURL(state.photo);
      preview.hidden = false;
      announce(fmt(T.photoReady, { kb: Math.round(state.photo.size / 1024) }));
    } catch (error) {
      announce(fmt(T.photoFailed, { reason: error.message }));
    }
  }

  /* ---------- GPS ---------- */

  let watchId = null;

  function locate() {
    if (!navigator.geolocation) {
      $("gps-text").textContent = fmt(T.noLocation, { reason: "—" });
      return;
    }
    $("gps-text").textContent = T.locating;
    if (watchId !== null) navigator.geolocation.clearWatch(watchId);
    watchId = navigator.geolocation.watchPosition(
      (pos) => {
        state.gps = { lon: pos.coords.longitude, lat: pos.coords.latitude, accuracy: pos.coords.accuracy };
        $("gps-text").textContent = fmt(T.here, { m: Math.round(pos.coords.accuracy) });
        if (!map) return;
        const ll = [state.gps.lat, state.gps.lon];
        if (!layers.me) {
          layers.me = L.layerGroup([L.circle(ll, { radius: pos.coords.accuracy, color: "#1565c0", weight: 1, fillOpacity: 0.15, interactive: false }), L.circleMarker(ll, { radius: 7, color: "#ffffff", weight: 3, fillColor: "#1565c0", fillOpacity: 1, interactive: false })]).addTo(map);
        } else {
          layers.me.eachLayer((layer) => layer.setLatLng(ll));
          layers.me.getLayers()[0].setRadius(pos.coords.accuracy);
        }
      },
      (error) => ($("gps-text").textContent = fmt(T.noLocation, { reason: error.message })),
      { enableHighAccuracy: true, maximumAge: 10000, timeout: 30000 },
    );
  }

  function gpsPoint() {
    if (!state.gps) {
      locate();
      $("form-error").textContent = T.locating;
      return;
    }
    showPointMarker();
    setPoint(state.gps, T.gpsPoint);
    $("form-error").textContent = "";
  }

  /* ---------- task actions ---------- */

  async function extend() {
    try {
      const data = await postJSON(urlFor(config.urls.extend, state.task.id));
      state.task.lockExpiresAt = data.task.lock_expires_at;
      await state.db.put("tasks", state.task);
      announce(fmt(T.extended, { time: clock(data.task.lock_expires_at) }));
      renderLock();
    } catch (error) {
      announce(error instanceof Offline ? T.needsConnection : error.message);
    }
  }

  async function release() {
    const number = state.task.package.task.number;
    if (!window.confirm(fmt(T.releaseConfirm, { n: number }))) return;
    try {
      await syncNow();
      await postJSON(urlFor(config.urls.release, state.task.id));
      state.task.lockExpiresAt = null;
      state.task.serverState = "ready";
      await state.db.put("tasks", state.task);
      await expireTasks();
      announce(fmt(T.released, { n: number }));
      state.task = null;
      showView("tasks");
      await renderTasks();
    } catch (error) {
      announce(error instanceof Offline ? T.needsConnection : error.message);
    }
  }

  async function submitTask() {
    const task = state.task;
    const progress = await taskProgress(task);
    if (progress.done < progress.total) {
      announce(fmt(T.stopsOpen, { n: progress.total - progress.done }));
      return;
    }
    task.submitRequested = true;
    await state.db.put("tasks", task);
    announce(fmt(T.submitQueued, { n: task.package.task.number }));
    if (navigator.onLine) await syncNow();
  }

  /* ---------- views and start ---------- */

  function showView(name) {
    $("view-tasks").hidden = name !== "tasks";
    $("view-task").hidden = name !== "task";
    if (name === "task" && map) setTimeout(() => map.invalidateSize(), 0);
  }

  function renderNet() {
    const online = navigator.onLine;
    $("net").textContent = online ? T.online : T.offline;
    $("net").className = `net ${online ? "is-online" : "is-offline"}`;
  }

  async function route() {
    const match = window.location.hash.match(/^#task-(\d+)$/);
    if (match && (await state.db.get("tasks", Number(match[1])))) await openTask(Number(match[1]));
    else {
      state.task = null;
      showView("tasks");
      await renderTasks();
    }
  }

  function wire() {
    $("sync-btn").addEventListener("click", () => syncNow());
    $("refresh-btn").addEventListener("click", async () => {
      try {
        await refreshFromServer();
      } catch (error) {
        announce(error instanceof Offline ? T.needsConnection : error.message);
      }
      await renderTasks();
    });
    $("near-btn").addEventListener("click", () => {
      if (!navigator.geolocation) return;
      announce(T.locating);
      navigator.geolocation.getCurrentPosition(
        async (pos) => {
          state.near = { lon: pos.coords.longitude.toFixed(6), lat: pos.coords.latitude.toFixed(6) };
          try {
            await refreshFromServer();
            announce("");
          } catch (error) {
            announce(error instanceof Offline ? T.needsConnection : error.message);
          }
          await renderTasks();
        },
        (error) => announce(fmt(T.noLocation, { reason: error.message })),
        { enableHighAccuracy: true, timeout: 30000 },
      );
    });
    $("back-btn").addEventListener("click", () => {
      history.replaceState(null, "", window.location.pathname);
      route();
    });
    $("prev-stop").addEventListener("click", () => goToStop(state.stopIndex - 1));
    $("next-stop").addEventListener("click", () => goToStop(state.stopIndex + 1));
    $("stop-select").addEventListener("change", (event) => goToStop(Number(event.target.value)));
    $("kind-field").addEventListener("change", updateFields);
    $("finding-form").addEventListener("submit", saveFinding);
    $("all-ok-btn").addEventListener("click", allOk);
    $("photo-input").addEventListener("change", photoChosen);
    $("gps-point-btn").addEventListener("click", gpsPoint);
    $("locate-btn").addEventListener("click", locate);
    $("extend-btn").addEventListener("click", extend);
    $("release-btn").addEventListener("click", release);
    $("submit-task-btn").addEventListener("click", submitTask);
    $("comments-ok").addEventListener("click", async () => {
      state.task.commentsRead = true;
      await state.db.put("tasks", state.task);
      renderComments(state.task);
    });
    const withCookieToken = (form) => {
      const input = form.querySelector('input[name="csrfmiddlewaretoken"]');
      if (input && csrfToken()) input.value = csrfToken();
    };
    $("lang-form").addEventListener("submit", (event) => withCookieToken(event.target));
    $("logout-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      withCookieToken(event.target);
      if ("caches" in window) await caches.delete(SHELL_CACHE);
      event.target.submit();
    });
    window.addEventListener("online", async () => {
      renderNet();
      await syncNow();
      await refreshShell();
      await renderReadiness();
    });
    window.addEventListener("offline", renderNet);
    window.addEventListener("hashchange", route);
    setInterval(renderLock, 1000);
  }

  async function start() {
    await openStore();
    wire();
    renderNet();
    const revoked = await state.db.get("meta", "revoked");
    if (revoked) showRevoked(revoked);
    await renderPending();
    await route();
    askPersistence();
    if (!navigator.onLine) {
      await registerWorker();
      await renderReadiness();
      return;
    }
    await Promise.all([registerWorker(), refreshShell()]);
    try {
      await syncNow();
      await expireTasks();
      await refreshFromServer();
    } catch (error) {
      if (!(error instanceof Offline)) announce(error.message);
    }
    if (state.task) await openTask(state.task.id, { keepStop: true });
    else await renderTasks();
    await renderReadiness();
  }

  start();
})();
