/* geo_portal home-visit sheet (mobile web, offline first). The census field app's shell again — Workbox service
 * worker, idb — for a day's round of home visits. The round carries names and health needs, so it never touches
 * IndexedDB in clear: it is encrypted with AES-256-GCM (WebCrypto) under a key the server hands out for this
 * device and round, kept only in this tab's session storage. A round expires at the end of its day; a revoked
 * device wipes everything. Results (done / not at home / postponed, a note, the time) queue encrypted and are sent
 * once when a connection returns, each with a UUID so a resend is answered "duplicate". While the browser is
 * offline the app sends no request at all. */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("visits-config").textContent);
  const T = config.text;
  const SHELL_CACHE = "geo-portal-visits-shell";
  const $ = (id) => document.getElementById(id);
  const fmt = (text, vars) => text.replace(/%\((\w+)\)s/g, (_m, k) => String(vars && vars[k] !== undefined ? vars[k] : ""));
  const state = { db: null, device: null, plan: null, round: null, map: null, layer: null, syncing: false };
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();

  class Offline extends Error {}
  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  function announce(text) {
    $("status").textContent = text || "";
  }

  function banner(text) {
    const box = $("banner");
    box.textContent = text || "";
    box.hidden = !text;
  }

  function deviceId() {
    let id = localStorage.getItem("geo-portal-visits-device");
    if (!id) {
      id = crypto.randomUUID();
      localStorage.setItem("geo-portal-visits-device", id);
    }
    return id;
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function url(name, plan) {
    return config.urls[name].replace("/0/", `/${plan}/`);
  }

  /* ---------- storage: IndexedDB holds only ciphertext ---------- */

  async function openDb() {
    state.db = await idb.openDB(`geo-portal-visits-${config.user.id}`, 1, {
      upgrade(db) {
        db.createObjectStore("rounds", { keyPath: "plan" });
        db.createObjectStore("queue", { keyPath: "uuid" });
        db.createObjectStore("meta");
      },
    });
  }

  function toBase64(bytes) {
    return btoa(String.fromCharCode.apply(null, new Uint8Array(bytes)));
  }

  function fromBase64(text) {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  }

  async function importKey(raw) {
    return crypto.subtle.importKey("raw", fromBase64(raw), { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
  }

  /* The round's key: from this tab's session, else from the server (online only), else none (the round stays locked). */
  async function keyFor(plan) {
    let raw = sessionStorage.getItem(`geo-portal-visits-key-${plan}`);
    if (!raw && navigator.onLine) {
      const data = await postJSON(url("key", plan), {});
      raw = data.key;
      sessionStorage.setItem(`geo-portal-visits-key-${plan}`, raw);
    }
    return raw ? importKey(raw) : null;
  }

  async function seal(plan, key, value) {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const data = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: encoder.encode(`round-${plan}`) },
      key,
      encoder.encode(JSON.stringify(value)),
    );
    return { iv, data };
  }

  async function open(plan, key, sealed) {
    const clear = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: sealed.iv, additionalData: encoder.encode(`round-${plan}`) },
      key,
      sealed.data,
    );
    return JSON.parse(decoder.decode(clear));
  }

  async function pendingCount() {
    const n = await state.db.count("queue");
    $("pending-count").textContent = String(n);
    $("pending-text").textContent = n ? fmt(T.pending, { n }) : T.allSynced;
    $("sync-btn").classList.toggle("has-pending", n > 0);
    return n;
  }

  /* ---------- network: nothing leaves the device while the browser says it is offline ---------- */

  async function api(target, options) {
    options = options || {};
    if (!navigator.onLine) throw new Offline(T.offlineQueued);
    if (await state.db.get("meta", "revoked")) throw new ApiError(410, fmt(T.revoked, { detail: "" }));
    const headers = Object.assign({ Accept: "application/json", "X-Visit-Device": state.device }, options.headers || {});
    if (options.method === "POST") headers["X-CSRFToken"] = csrfToken();
    let response;
    try {
      response = await fetch(target, Object.assign({}, options, { headers, credentials: "same-origin", cache: "no-store" }));
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
      banner(T.signedOut);
      throw new ApiError(401, T.signedOut);
    }
    if (!response.ok) throw new ApiError(response.status, (data && data.detail) || fmt(T.httpError, { status: response.status }));
    return data;
  }

  function postJSON(target, body) {
    return api(target, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {}) });
  }

  async function wipe(detail) {
    const tx = state.db.transaction(["rounds", "queue", "meta"], "readwrite");
    await Promise.all([tx.objectStore("rounds").clear(), tx.objectStore("queue").clear()]);
    await tx.objectStore("meta").put(detail || "revoked", "revoked");
    await tx.done;
    Object.keys(sessionStorage)
      .filter((k) => k.startsWith("geo-portal-visits-key-"))
      .forEach((k) => sessionStorage.removeItem(k));
    state.round = null;
    banner(fmt(T.revoked, { detail: detail || "" }));
    document.body.classList.add("revoked");
    showView("rounds");
    await renderRounds(null);
    await pendingCount();
  }

  /* ---------- the shell, kept for offline starts ---------- */

  async function refreshShell() {
    if (!navigator.onLine || !("caches" in window)) return;
    try {
      const response = await fetch(config.urls.app, { credentials: "same-origin", cache: "no-store" });
      if (response.ok && response.headers.get("X-Visit-Shell") === "1") {
        await (await caches.open(SHELL_CACHE)).put(config.urls.app, response);
      }
    } catch (error) {
      /* offline meanwhile: the cached shell stays */
    }
  }

  async function registerWorker() {
    if (!("serviceWorker" in navigator)) return;
    try {
      await navigator.serviceWorker.register(config.urls.sw, { scope: config.urls.app, updateViaCache: "all" });
      await navigator.serviceWorker.ready;
    } catch (error) {
      announce(String(error));
    }
  }

  /* ---------- rounds ---------- */

  async function dropExpired() {
    const now = Date.now();
    let dropped = false;
    for (const round of await state.db.getAll("rounds")) {
      if (Date.parse(round.expires_at) <= now) {
        await state.db.delete("rounds", round.plan);
        sessionStorage.removeItem(`geo-portal-visits-key-${round.plan}`);
        dropped = true;
        if (state.plan === round.plan) {
          state.round = null;
          showView("rounds");
        }
      }
    }
    if (dropped) announce(T.expired);
  }

  async function renderRounds(server) {
    const local = await state.db.getAll("rounds");
    const byPlan = new Map(local.map((r) => [r.plan, { id: r.plan, day: r.day, stops: r.stops, office: r.office, local: true }]));
    for (const r of (server && server.rounds) || []) {
      if (!byPlan.has(r.id)) byPlan.set(r.id, Object.assign({ local: false }, r));
    }
    const list = $("rounds");
    list.textContent = "";
    if (!byPlan.size) {
      const li = document.createElement("li");
      li.textContent = T.noRounds;
      list.appendChild(li);
      return;
    }
    for (const r of byPlan.values()) {
      const li = document.createElement("li");
      li.className = "card";
      const title = document.createElement("p");
      title.textContent = `${r.day} · ${r.office} · ${fmt(T.stops, { n: r.stops })}`;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-primary";
      button.dataset.plan = String(r.id);
      button.textContent = r.local ? T.open : T.take;
      button.addEventListener("click", () => (r.local ? openRound(r.id) : takeRound(r.id)));
      li.append(title, button);
      list.appendChild(li);
    }
  }

  async function loadRounds() {
    let server = null;
    if (navigator.onLine) {
      try {
        server = await api(config.urls.rounds);
      } catch (error) {
        if (!(error instanceof Offline)) announce(error.message);
      }
    }
    await renderRounds(server);
  }

  async function takeRound(plan) {
    if (!(window.crypto && crypto.subtle)) {
      announce(T.noCrypto);
      return;
    }
    try {
      const data = await postJSON(url("package", plan), {});
      sessionStorage.setItem(`geo-portal-visits-key-${plan}`, data.key);
      const key = await importKey(data.key);
      const pkg = data.package;
      const sealed = await seal(plan, key, pkg);
      await state.db.put("rounds", {
        plan,
        day: pkg.day,
        office: pkg.office.name,
        stops: pkg.stops.length,
        expires_at: pkg.expires_at,
        iv: sealed.iv,
        data: sealed.data,
      });
      announce(T.taken);
      await openRound(plan);
    } catch (error) {
      announce(error.message);
    }
  }

  async function openRound(plan) {
    const stored = await state.db.get("rounds", plan);
    if (!stored) return;
    let key = null;
    try {
      key = await keyFor(plan);
    } catch (error) {
      announce(error.message);
    }
    if (!key) {
      announce(T.locked);
      return;
    }
    state.plan = plan;
    state.key = key;
    state.round = await open(plan, key, stored);
    showView("round");
    renderRound();
  }

  async function saveRound() {
    const stored = await state.db.get("rounds", state.plan);
    const sealed = await seal(state.plan, state.key, state.round);
    await state.db.put("rounds", Object.assign(stored, { iv: sealed.iv, data: sealed.data }));
  }

  function text(tag, value, className) {
    const el = document.createElement(tag);
    el.textContent = value;
    if (className) el.className = className;
    return el;
  }

  function renderRound() {
    const round = state.round;
    $("round-title").textContent = `${round.day} · ${round.office.name}`;
    $("round-note").textContent = fmt(T.straightLine, { km: (round.total_m / 1000).toFixed(1) });
    const list = $("stops");
    list.textContent = "";
    for (const stop of round.stops) {
      const li = document.createElement("li");
      li.className = "card hv-stop";
      li.dataset.stop = String(stop.id);
      li.dataset.outcome = stop.outcome;
      li.appendChild(text("h3", `${stop.position}. ${stop.address}${stop.unit ? " " + stop.unit : ""}`));
      li.appendChild(text("p", `${stop.name} · ${stop.purpose}${stop.purpose_note ? ": " + stop.purpose_note : ""}`));
      const facts = [`${T.planned} ${stop.arrive_at}`, `${T.urgency} ${stop.urgency_label}`];
      if (stop.window[0] || stop.window[1]) facts.push(`${T.window} ${stop.window[0] || "—"}–${stop.window[1] || "—"}`);
      if (stop.contact) facts.push(`${T.contact} ${stop.contact}`);
      li.appendChild(text("p", facts.join(" · "), "note"));
      if (stop.notes) li.appendChild(text("p", stop.notes, "note"));
      if (stop.recorded) li.appendChild(text("p", fmt(T.recorded, stop.recorded), "hv-recorded"));
      const noteId = `note-${stop.id}`;
      const label = text("label", T.note);
      label.htmlFor = noteId;
      const note = document.createElement("textarea");
      note.id = noteId;
      note.rows = 2;
      li.append(label, note);
      let caseBox = null;
      if (stop.registered) {
        const row = document.createElement("p");
        caseBox = document.createElement("input");
        caseBox.type = "checkbox";
        caseBox.id = `case-${stop.id}`;
        const caseLabel = text("label", T.case);
        caseLabel.htmlFor = caseBox.id;
        row.append(caseBox, caseLabel);
        li.appendChild(row);
      }
      const buttons = document.createElement("div");
      buttons.className = "row";
      for (const [outcome, label2] of [["done", T.done], ["not_home", T.notHome], ["postponed", T.postponed]]) {
        const b = text("button", label2, "btn hv-" + outcome);
        b.type = "button";
        b.dataset.outcome = outcome;
        b.addEventListener("click", () => record(stop, outcome, note.value, caseBox && caseBox.checked));
        buttons.appendChild(b);
      }
      li.appendChild(buttons);
      list.appendChild(li);
    }
    drawMap();
  }

  function drawMap() {
    if (!window.L) return;
    const round = state.round;
    if (!state.map) {
      state.map = L.map("map", { attributionControl: false, zoomControl: true });
    }
    if (state.layer) state.layer.remove();
    const office = [round.office.lat, round.office.lon];
    const points = round.stops.map((s) => [s.lat, s.lon]);
    const group = L.featureGroup();
    L.polyline([office, ...points, office], { color: "#0b3d5c", weight: 3 }).addTo(group);
    L.circleMarker(office, { radius: 9, color: "#000", fillColor: "#fff", fillOpacity: 1 })
      .bindTooltip(T.office, { permanent: true, direction: "top" })
      .addTo(group);
    round.stops.forEach((s, i) => {
      L.circleMarker(points[i], { radius: 8, color: "#0b3d5c", fillColor: s.outcome === "pending" ? "#ffd166" : "#2a9d8f", fillOpacity: 1 })
        .bindTooltip(String(s.position), { permanent: true, direction: "center", className: "hv-number" })
        .addTo(group);
    });
    state.layer = group.addTo(state.map);
    state.map.invalidateSize();
    state.map.fitBounds(group.getBounds(), { padding: [20, 20] });
  }

  async function record(stop, outcome, note, toCase) {
    if (outcome === "postponed" && !note.trim()) {
      announce(T.needNote);
      return;
    }
    const at = new Date();
    const result = { uuid: crypto.randomUUID(), stop: stop.id, outcome, note: note.trim(), at: at.toISOString(), case_kind: toCase ? "address_change" : "" };
    const sealed = await seal(state.plan, state.key, result);
    await state.db.put("queue", { uuid: result.uuid, plan: state.plan, iv: sealed.iv, data: sealed.data });
    const label = { done: T.done, not_home: T.notHome, postponed: T.postponed }[outcome];
    stop.outcome = outcome;
    stop.recorded = { outcome: label, time: at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) };
    await saveRound();
    renderRound();
    await pendingCount();
    announce(navigator.onLine ? "" : T.offlineQueued);
    if (navigator.onLine) await syncNow();
  }

  async function syncNow() {
    if (state.syncing || !navigator.onLine) return;
    state.syncing = true;
    try {
      const queued = await state.db.getAll("queue");
      if (!queued.length) return;
      const results = [];
      for (const item of queued) {
        const key = item.plan === state.plan && state.key ? state.key : await keyFor(item.plan);
        if (key) results.push(await open(item.plan, key, item));
      }
      if (!results.length) return;
      const answer = await postJSON(config.urls.sync, { device: state.device, results });
      const refused = [];
      for (const r of answer.records) {
        if (r.status === "stored" || r.status === "duplicate") await state.db.delete("queue", r.uuid);
        else refused.push(Object.entries(r.errors || {}).map(([f, m]) => `${f}: ${m}`).join("; "));
      }
      announce(
        refused.length
          ? fmt(T.syncErrors, { n: refused.length, detail: refused.join(" | ") })
          : fmt(T.synced, { stored: answer.stored, duplicates: answer.duplicates }),
      );
    } catch (error) {
      if (!(error instanceof Offline)) announce(error.message);
    } finally {
      state.syncing = false;
      await pendingCount();
    }
  }

  function showView(name) {
    $("view-rounds").hidden = name !== "rounds";
    $("view-round").hidden = name !== "round";
    if (name === "round" && state.map) setTimeout(() => state.map.invalidateSize(), 0);
  }

  function renderNet() {
    const online = navigator.onLine;
    $("net").textContent = online ? T.online : T.offline;
    $("net").dataset.online = online ? "1" : "0";
  }

  async function start() {
    state.device = deviceId();
    await openDb();
    const revoked = await state.db.get("meta", "revoked");
    if (revoked) {
      banner(fmt(T.revoked, { detail: "" }));
      document.body.classList.add("revoked");
    }
    renderNet();
    await dropExpired();
    await pendingCount();
    $("sync-btn").addEventListener("click", syncNow);
    $("back-btn").addEventListener("click", async () => {
      showView("rounds");
      await loadRounds();
    });
    window.addEventListener("online", async () => {
      renderNet();
      await syncNow();
      await loadRounds();
    });
    window.addEventListener("offline", renderNet);
    setInterval(dropExpired, 60 * 1000);
    await loadRounds();
    await registerWorker();
    await refreshShell();
    await syncNow();
    document.body.dataset.ready = "1";
  }

  start().catch((error) => announce(String(error)));
})();
