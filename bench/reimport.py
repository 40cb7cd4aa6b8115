"""The monthly re-import (issue 16 §5): the real district imported once, then re-imported unchanged and 1% changed.

Each re-import runs as its own ``manage.py import_doorplates`` process (start-up included, bytecode caches on), on a
database of its own on the durable cluster; wall time and peak RSS by ``wait4``. The 1%-changed file is made here,
deterministically, in a temporary folder: of every 100th data row, a third move ~5 m, a third are removed and a third
gain a new plate (a 之9 sub-number at the end of the file). Start-up alone is timed first (``import_doorplates
--help``, five runs). Run alone: ``python -m bench.reimport`` (prints JSON; BENCH_REIMPORT_DB names its database).
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL = Path(os.environ.get("GEO_PORTAL_SHARED_DATA", ROOT.parent / "shared" / "data" / "real"))
PLATES = REAL / "doorplates" / "hsinchu_east_doorplates_2026-06.csv"
# Its own database on the serve cluster (another name when two runs must not share it).
DB = os.environ.get("BENCH_REIMPORT_DB", "geo_portal_bench_reimport")
TARGET_S = 1.5
_NUMBER = re.compile(r"(\d+)號")


def changed_copy(source: Path, target: Path, *, every: int = 100) -> dict[str, int]:
    """Write ``source`` with ~1/every of its rows changed (moved, removed, or a new plate added); returns the counts."""
    counts = {"moved": 0, "removed": 0, "added": 0}
    added: list[list[str]] = []
    with source.open(encoding="utf-8-sig", newline="") as fin, target.open("w", encoding="utf-8", newline="") as fout:
        reader, writer = csv.reader(fin), csv.writer(fout)
        header = next(reader)
        writer.writerow(header)
        ix, ia = header.index("X"), header.index("FULL_ADDR")
        for n, row in enumerate(reader):
            kind = (n // every) % 3 if n % every == every // 2 else None
            if kind == 0 and row[ix]:
                row[ix] = f"{float(row[ix]) + 0.00005:.9f}"
                counts["moved"] += 1
            elif kind == 1:
                counts["removed"] += 1
                continue
            elif kind == 2 and _NUMBER.search(row[ia]):
                new = list(row)
                new[ia] = _NUMBER.sub(r"\g<1>之9號", row[ia], count=1)
                added.append(new)
                counts["added"] += 1
            writer.writerow(row)
        writer.writerows(added)
    return counts


def _psql(sql: str, env: dict[str, str]) -> None:
    host, port = env["BENCH_PGHOST"], env["BENCH_PGPORT"]
    subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", port, "-U", "postgres", "-d", "postgres", "-c", sql],
        check=True, capture_output=True,
    )  # fmt: skip


def _timed(cmd: list[str], env: dict[str, str]) -> dict:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(cmd[2:4])} failed:\n{out.decode(errors='replace')}")
    return {
        "seconds": round(seconds, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_mb": round(usage.ru_maxrss / 1024, 1),
        "output": next((line for line in out.decode(errors="replace").splitlines() if line.startswith("batch ")), "")[:300],
    }


def startup(env: dict[str, str], *, runs: int = 5) -> dict:
    """Process start-up alone: ``manage.py import_doorplates --help`` (Django set up, no database work)."""
    rs = [_timed([sys.executable, "manage.py", "import_doorplates", "--help"], env) for _ in range(runs)]
    walls, cpus = sorted(r["seconds"] for r in rs), sorted(r["cpu_s"] for r in rs)
    return {"best_s": walls[0], "median_s": walls[len(walls) // 2], "max_s": walls[-1], "best_cpu_s": cpus[0],
            "median_cpu_s": cpus[len(cpus) // 2], "n": runs}  # fmt: skip


def benchmark(*, runs: int = 3) -> dict:
    host = str(ROOT / ".data" / "run")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "geo_portal.config.settings.local", "BENCH_PGHOST": host,
           "BENCH_PGPORT": "5433", "DATABASE_URL": f"postgis://postgres@/{DB}?host={host}&port=5433"}  # fmt: skip
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # start-up as deployed: with bytecode caches
    manage = [sys.executable, "manage.py"]
    started = startup(env)
    reports = Path(tempfile.mkdtemp(prefix="reimport-"))
    changed = reports / "changed.csv"
    made = changed_copy(PLATES, changed)
    _psql(f"DROP DATABASE IF EXISTS {DB}", env)
    _psql(f"CREATE DATABASE {DB}", env)
    try:
        for cmd in (
            ["migrate", "-v0"],
            ["load_villages", str(REAL / "boundaries/hsinchu_city_villages_moi_nlsc_20230928_attributes.csv"), "-v0"],
            ["load_boundaries", str(REAL / "boundaries/DERIVED_hsinchu_east_villages_from_stat_areas.geojson"),
             "--level", "village", "--code-field", "VILLCODE", "-v0"],
        ):  # fmt: skip
            subprocess.run([*manage, *cmd], env=env, cwd=ROOT, check=True, capture_output=True)

        def run(path: Path) -> dict:
            cmd = [*manage, "import_doorplates", str(path), "--preset", "tw-address-data", "--report-dir", str(reports)]
            return _timed([*cmd, "-v0"], env)

        first = run(PLATES)
        cases: dict[str, list[dict]] = {"unchanged": [], "changed_1pct": []}
        # Alternating: the same file (recorded as unchanged, nothing read), then the 1%-changed file and back to the
        # original (each a 1% change of the other: both directions are the monthly case).
        for _ in range(runs):
            cases["unchanged"].append(run(PLATES))
            cases["changed_1pct"].append(run(changed))
            cases["changed_1pct"].append(run(PLATES))
        load = os.getloadavg()[0]
    finally:
        _psql(f"DROP DATABASE IF EXISTS {DB}", env)
    summary = {
        name: {"best_s": min(r["seconds"] for r in rs), "median_s": sorted(r["seconds"] for r in rs)[len(rs) // 2],
               "max_s": max(r["seconds"] for r in rs), "best_cpu_s": min(r["cpu_s"] for r in rs),
               "peak_mb": max(r["peak_mb"] for r in rs), "n": len(rs), "target_s": TARGET_S, "last": rs[-1]["output"]}
        for name, rs in cases.items()
    }  # fmt: skip
    return {"plates_file": PLATES.name, "changes": made, "startup_help": started, "first_import": first, **summary,
            "load_1min": load}  # fmt: skip


if __name__ == "__main__":
    print(json.dumps(benchmark(), ensure_ascii=False))
