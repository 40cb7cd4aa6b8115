"""The surveyors' field app: an installable, offline-first mobile web app (app shell, service worker, IndexedDB
queue) and the JSON endpoints it syncs with (tasks, claim, package, findings, photos)."""
