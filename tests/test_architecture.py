"""The house's rules that import-linter cannot see: SQL text naming another app's tables.

Every string in an app's Python code (migrations excluded, docstrings excluded) is searched for the table names of
the other installed ``geo_portal`` apps. A name of another app's table is allowed only when the owning app declares
it readable (``SHARED`` below, one entry per owning app) and the naming app stands above the owner in the layers
of ``pyproject.toml``; a lower app reads a higher app only through a read view or function that the higher app
declares in a migration (names that are not tables: ``buildings_plate_building_v``, ``changes_latest_txid``).
Writing into another app's table (INSERT INTO, UPDATE, DELETE FROM, TRUNCATE, COPY) is never allowed: the owner
declares a function for it (``areas_add_roads``). A view or function named with another app's prefix must be
created by a migration of that app (not by the app that reads it).
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[1]
SQL = re.compile(r"\b(SELECT|FROM|JOIN|INSERT|UPDATE|DELETE|USING|TABLE)\b")  # SQL is written in capitals here
# Tables an owning app lets higher apps read in SQL (its ORM models are open to them anyway; writes never are).
SHARED = {
    "areas": {"areas_county", "areas_district", "areas_village", "areas_road", "areas_roadalias"},
    "addresses": {"addresses_doorplate"},
    "buildings": {"buildings_building", "buildings_platebuilding"},
}
# Found by this test when it was written and since fixed (read views and functions the owners declare, the owner's
# selectors); the list may only shrink, and is empty: an entry that no longer occurs fails the test too.
KNOWN: set[str] = set()
DECLARE = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:VIEW|FUNCTION)\s+(\w+)", re.IGNORECASE)
WRITE = re.compile(r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?|COPY)\s+(\w+)", re.IGNORECASE)


def _layer_rank() -> dict[str, int]:
    """App label → rank in the layers contract (0 = highest)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    return {
        module.strip().removeprefix("geo_portal."): rank
        for rank, layer in enumerate(contract["layers"])
        for module in layer.split("|")
    }


def _own_apps() -> list:
    return [config for config in apps.get_app_configs() if config.name.startswith("geo_portal.")]


def _tables() -> dict[str, str]:
    """Table name → the app label that owns it (models, their many-to-many tables, history events)."""
    return {
        model._meta.db_table: model._meta.app_label
        for config in _own_apps()
        for model in config.get_models(include_auto_created=True)
    }


def _strings(path: Path) -> list[tuple[int, str]]:
    """Every string literal of a module (f-string parts too), without docstrings, with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def violations() -> set[str]:
    tables, rank = _tables(), _layer_rank()
    shared = {config.label: SHARED.get(config.label, set()) for config in _own_apps()}
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, tables), key=len, reverse=True)) + r")\b")
    found: set[str] = set()
    packages = sorted(p for p in (ROOT / "geo_portal").iterdir() if p.is_dir() and p.name in rank)  # analytics too
    for package in packages:
        label = package.name
        for path in sorted(package.rglob("*.py")):
            if "migrations" in path.relative_to(package).parts:
                continue
            where = path.relative_to(ROOT)
            for line, text in _strings(path):
                if not SQL.search(text):
                    continue
                written = {m.group(1) for m in WRITE.finditer(text)}
                for name in sorted(set(pattern.findall(text))):
                    owner = tables[name]
                    if owner == label:
                        continue
                    if name in written:
                        found.add(f"{where}: writes {owner}'s table {name}")
                    elif rank[label] >= rank[owner]:  # below, or a sibling in the same layer (independent)
                        found.add(f"{where}: {label} is not above {owner} and names its table {name}")
                    elif name not in shared[owner]:
                        found.add(f"{where}: names {name}, which {owner} does not declare")
    return found


def test_no_app_names_another_apps_tables_in_sql():
    found = violations()
    assert sorted(found - KNOWN) == [], "new"
    assert sorted(KNOWN - found) == [], "fixed: remove from KNOWN"


def _declared() -> dict[str, str]:
    """Read view or function → the app whose migration creates it."""
    return {
        name: package.name
        for package in (ROOT / "geo_portal").iterdir()
        for path in sorted(package.glob("migrations/*.py"))
        for name in DECLARE.findall(path.read_text(encoding="utf-8"))
    }


def undeclared() -> set[str]:
    """Names in SQL text that carry another app's prefix, are no table, and no migration of that app creates."""
    tables, declared, rank = _tables(), _declared(), _layer_rank()
    labels = sorted({config.label for config in _own_apps()} & set(rank), key=len, reverse=True)
    prefixed = re.compile(r"\b(" + "|".join(labels) + r")_\w+")
    found: set[str] = set()
    for package in sorted(p for p in (ROOT / "geo_portal").iterdir() if p.is_dir() and p.name in rank):
        for path in sorted(package.rglob("*.py")):
            if "migrations" in path.relative_to(package).parts:
                continue
            for _line, text in _strings(path):
                if not SQL.search(text):
                    continue
                for match in prefixed.finditer(text):
                    name, owner = match.group(0), match.group(1)
                    if owner != package.name and name not in tables and declared.get(name) != owner:
                        found.add(f"{path.relative_to(ROOT)}: {name} is not created by a migration of {owner}")
    return found


def test_views_and_functions_of_other_apps_are_declared_by_their_owner_in_a_migration():
    assert sorted(undeclared()) == []


def test_declared_shared_tables_exist():
    tables = _tables()
    for owner, names in SHARED.items():
        for name in names:
            assert tables.get(name) == owner, f"{owner} declares {name}, which is not its table"


def test_the_check_reads_strings_not_docstrings_and_sees_writes(tmp_path):
    path = tmp_path / "probe.py"
    path.write_text('"""FROM buildings_building"""\nA = "SELECT 1 FROM buildings_building"\nB = f"DELETE FROM x{A}"\n')
    assert [text for _, text in _strings(path)] == ["SELECT 1 FROM buildings_building", "DELETE FROM x"]
    assert WRITE.findall("DELETE FROM addresses_doorplate USING areas_road") == ["addresses_doorplate"]
