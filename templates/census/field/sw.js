/* geo_portal census field app: service worker {{ version }} (rendered by census.field.views.service_worker).
 * Workbox's prebuilt modules from our own static files; the app's static files precached by content revision;
 * the app shell served from the copy the app keeps (cache first: a phone without a connection never waits for
 * the network, and no request leaves it); the JSON API is never cached here (the app keeps its data in IndexedDB). */
/* global workbox */
importScripts.apply(self, {{ modules }});

const SHELL_URL = {{ shell_url }};
const SHELL_CACHE = "geo-portal-field-shell";

workbox.core.setCacheNameDetails({ prefix: "geo-portal-field" });
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
