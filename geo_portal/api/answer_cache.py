"""Recent geocode answers of the public API, kept per worker process as their rendered JSON, valid only for the data
they were computed from. Called by ``views.GeocodeView``.

An answer is stored under (query, limit, language, data version), and an answer is served only under the version
it was stored under:

- the public change log's latest txid (``changes_latest_txid``): every committed change of a plate, road, village,
  district or building numbers a new txid at its commit, visible in the same snapshot as the change itself. The txid
  is read before the answer is computed, so an answer stored under txid T shows the data of T or later. The process
  reads it at most once per ``PUBLIC_DATA_RECHECK_SECONDS`` (``changes.recent``): a committed change reaches the
  answers within that time (1 s);
- the gazetteer's signature (``addresses.search.gazetteer``: road names and aliases, villages, districts, named
  buildings, zip-code rules), which the geocoder itself re-reads at most once a second.

When the version moves, every stored answer is dropped at once. Inside a transaction (a service or a test that may
see changes of its own not yet numbered) the cache is not used at all. A hit costs no statement (one a second) instead
of parsing, the plate query and rendering; ``GEOCODE_ANSWER_CACHE_ENTRIES`` bounds the memory (0: off).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import translation

from geo_portal.addresses.search.gazetteer import gazetteer
from geo_portal.changes.recent import public_txid

_lock = threading.Lock()
_answers: OrderedDict[tuple, bytes] = OrderedDict()
_version: tuple | None = None
stats = {"hits": 0, "misses": 0}


def data_version() -> tuple | None:
    """The version answers are stored under now, or None when the cache must not be used (turned off, or inside a
    transaction)."""
    if settings.GEOCODE_ANSWER_CACHE_ENTRIES <= 0:
        return None
    search = connections[settings.SEARCH_DB]
    if search.in_atomic_block or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return None
    return (public_txid(settings.SEARCH_DB), gazetteer().signature)


def get(key: tuple, version: tuple | None) -> bytes | None:
    """The stored answer for ``key`` (in the active language) under ``version``, or None."""
    global _version
    if version is None:
        return None
    with _lock:
        if version != _version:
            _answers.clear()
            _version = version
            stats["misses"] += 1
            return None
        body = _answers.get((*key, translation.get_language()))
        if body is None:
            stats["misses"] += 1
            return None
        _answers.move_to_end((*key, translation.get_language()))
        stats["hits"] += 1
        return body


def put(key: tuple, version: tuple | None, body: bytes) -> bool:
    """Store an answer computed after ``version`` was read (not if the version has moved on meanwhile)."""
    size = settings.GEOCODE_ANSWER_CACHE_ENTRIES
    if version is None or size <= 0:
        return False
    with _lock:
        if version != _version:
            return False
        _answers[(*key, translation.get_language())] = body
        while len(_answers) > size:
            _answers.popitem(last=False)
        return True


def clear() -> None:
    """Forget every stored answer (tests)."""
    global _version
    with _lock:
        _answers.clear()
        _version = None
        stats.update(hits=0, misses=0)
