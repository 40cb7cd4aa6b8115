"""A reference client of the public change feed: keep a local GeoPackage equal to the platform's public data.

``follow(base_url, path)`` loads a snapshot of each entity (all at one txid) the first time, then applies the
events after that txid page by page; each later run continues from where the previous stopped (the position is
kept in the file's ``feed_state`` table). Used by ``manage.py follow_changes``; it needs only HTTP, so another
system can run the same code. No Django: plain urllib, pyogrio for the first write, sqlite3 for updates.
"""

from __future__ import annotations

import json
import sqlite3
import struct
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from shapely.geometry import shape

ENTITIES = ("plate", "building", "village", "district", "road")
LAYERS = {"plate": "plates", "building": "buildings", "village": "villages", "district": "districts", "road": "roads"}
PAGE = 5_000


class FeedError(RuntimeError):
    """The server refused a request (the message says why, e.g. a position older than its retention)."""


@dataclass
class FollowResult:
    txid: int
    seq: int
    snapshot_loaded: bool
    events_applied: int


def _get(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 (the operator gives the URL)
            return response.read()
    except urllib.error.HTTPError as exc:
        body = exc.read().decode("utf-8", "replace")
        try:
            message = json.loads(body).get("error", body)
        except ValueError:
            message = body
        raise FeedError(f"{url}: HTTP {exc.code}: {message}") from exc


def _gpkg_blob(geometry: dict | None) -> bytes | None:
    """GeoPackage geometry: 'GP', version 0, flags (little-endian, no envelope), SRS 4326, then WKB."""
    if geometry is None:
        return None
    return b"GP" + struct.pack("<BBi", 0, 0x01, 4326) + shapely.to_wkb(shape(geometry), byte_order=1)


def _columns(data: dict) -> dict:
    """Flat columns of a representation: scalars as they are, lists as JSON text."""
    return {k: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v for k, v in data.items()}


def _load_snapshot(base: str, path: Path, log: Callable[[str], None]) -> int:
    txid = json.loads(_get(f"{base}/api/v1/changes/latest"))["txid"]
    for entity in ENTITIES:
        collection = json.loads(_get(f"{base}/api/v1/changes/snapshot/{entity}.geojson?txid={txid}"))
        features = collection["features"]
        rows = [{"entity_id": f["id"], **_columns(f["properties"]), "data": json.dumps(f["properties"], ensure_ascii=False)}
                for f in features]  # fmt: skip
        frame = pd.DataFrame(rows or [{"entity_id": 0, "data": "{}"}]).iloc[: len(rows)]
        geoms = [shape(f["geometry"]) if f["geometry"] else None for f in features]
        has_geometry = entity != "road"
        if has_geometry:
            frame = gpd.GeoDataFrame(frame, geometry=geoms, crs=4326)
        pyogrio.write_dataframe(
            frame, path, layer=LAYERS[entity], driver="GPKG", layer_options={"SPATIAL_INDEX": "NO"}, append=False
        )
        log(f"snapshot of {entity}: {len(rows)} at txid {txid}")
    with sqlite3.connect(path) as db:
        for layer in LAYERS.values():
            db.execute(f'CREATE UNIQUE INDEX IF NOT EXISTS "{layer}_entity_id" ON "{layer}" (entity_id)')
        db.execute("CREATE TABLE IF NOT EXISTS feed_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.executemany(
            "INSERT OR REPLACE INTO feed_state VALUES (?, ?)", [("base_url", base), ("txid", str(txid)), ("after", "txid")]
        )
    return txid


def _apply(
    db: sqlite3.Connection, event: dict, columns: dict[str, list[str]], geometry_column: dict[str, str | None]
) -> None:
    layer = LAYERS[event["entity"]]
    db.execute(f'DELETE FROM "{layer}" WHERE entity_id = ?', [event["id"]])
    if event["operation"] == "delete":
        return
    values = {"entity_id": event["id"], **_columns(event["data"]), "data": json.dumps(event["data"], ensure_ascii=False)}
    names = [c for c in columns[layer] if c in values]
    params = [values[c] for c in names]
    if geometry_column[layer]:
        names.append(geometry_column[layer])
        params.append(_gpkg_blob(event["geometry"]))
    quoted = ", ".join(f'"{n}"' for n in names)
    db.execute(f'INSERT INTO "{layer}" ({quoted}) VALUES ({", ".join("?" * len(names))})', params)


def follow(base_url: str, path: Path, *, log: Callable[[str], None] = lambda _m: None, page: int = PAGE) -> FollowResult:
    """Bring the GeoPackage at ``path`` up to date with the feed at ``base_url`` (snapshot first if it is new)."""
    base = base_url.rstrip("/")
    loaded = False
    if not path.exists():
        _load_snapshot(base, path, log)
        loaded = True
    with sqlite3.connect(path) as db:
        state = dict(db.execute("SELECT key, value FROM feed_state"))
        columns = {
            layer: [row[1] for row in db.execute(f'PRAGMA table_info("{layer}")') if row[1] != "fid"]
            for layer in LAYERS.values()
        }
        geometry_column: dict[str, str | None] = dict.fromkeys(LAYERS.values())
        geometry_column.update(db.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
        for layer, geom in geometry_column.items():
            if geom:
                columns[layer].remove(geom)
        url = (
            f"{base}/api/v1/changes?after={state['txid']}&limit={page}"
            if state.get("after") == "txid"
            else f"{base}/api/v1/changes?after_seq={state['seq']}&limit={page}"
        )
        applied = 0
        while True:
            body = json.loads(_get(url))
            for event in body["events"]:
                _apply(db, event, columns, geometry_column)
            applied += len(body["events"])
            seq = body["next"]["after_seq"]
            txid = body["events"][-1]["txid"] if body["events"] else int(state.get("txid", 0))
            state.update(after="seq", seq=str(seq), txid=str(txid))
            db.executemany("INSERT OR REPLACE INTO feed_state VALUES (?, ?)", list(state.items()))
            db.commit()  # each page is applied whole, with its cursor
            if body["caught_up"] or not body["events"]:
                break
            url = f"{base}/api/v1/changes?after_seq={seq}&limit={page}"
    log(f"applied {applied} events; at txid {state['txid']}, seq {state['seq']}")
    return FollowResult(txid=int(state["txid"]), seq=int(state["seq"]), snapshot_loaded=loaded, events_applied=applied)
