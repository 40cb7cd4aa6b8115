/* geo_portal home-visit sheet: service worker {{ version }} (rendered by homevisits.web.field.service_worker).
 * The census field app's offline shell again: Workbox's prebuilt modules from our own static files, the app's
 * static files precached by content revision, the app shell served from the copy the app keeps (cache first: no
 * request leaves a phone without a connection); the JSON API is never cached (the app keeps the round in
 * IndexedDB, encrypted). */
/* global workbox */
importScripts.apply(self, {{ modules }});

const SHELL_URL = {{ shell_url }};
const SHELL_CACHE = "geo-portal-visits-shell";

workbox.core.setCacheNameDetails({ prefix: "geo-portal-visits" });
self.skipWaiting();
workbox.core.clientsClaim();
workbox.precaching.cleanupOutdatedCaches();
workbox.precaching.precacheAndRoute({{ precache }});

workbox.routing.registerRoute(
  ({ request, url }) => request.mode === "navigate" && url.origin === self.location.origin && url.pathname === SHELL_URL,
  async ({ request }) => {
    const cached = await caches.match(SHELL_URL, { cacheName: SHELL_CACHE });
    return cached || fetch(request);
  },
);
