"""The house's rules that import-linter cannot see: SQL text naming another app's tables.

Every string in an app's Python code (migrations excluded, docstrings excluded) is searched for the table names of
the other installed ``geo_portal`` apps. A name of another app's table is allowed only when the owning app declares
it readable (``SHARED`` below, one entry per owning app) and the naming app stands above the owner in the layers
of ``pyproject.toml``; a lower app reads a higher app only through a read view or function that the higher app
declares in a migration (names that are not tables: ``buildings_plate_building_v``, ``changes_latest_txid``).
Writing into another app's table (INSERT INTO, UPDATE, DELETE FROM, TRUNCATE, COPY) is never allowed: the owner
declares a function for it (``areas_add_roads``). A view or function named with another app's prefix must be
created by a migration of that app (not by the app that reads it).

The same holds for the ORM: a lower app never traverses a reverse relation that a higher app declares
(``DoorPlate.building_link``, ``DoorPlate.citizen_reports``, ``Building.plate_links``), in attributes, field paths or
lookups; the names come from Django's model registry, so a new relation is checked as soon as it exists.
"""

from __future__ import annotations

import ast
import re
import tomllib
from dataclasses import dataclass
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
    columns = {
        config.label: {field.column for model in config.get_models() for field in model._meta.concrete_fields}
        for config in _own_apps()
    }
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
                    if name in columns.get(package.name, set()):  # the app's own column, e.g. census's reissue_ref
                        continue
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


# ORM relations are a second channel import-linter cannot see: ``plate.building_link`` or
# ``select_related("building_link")`` in addresses reaches buildings' model without importing buildings. A reverse
# relation is declared by the app that holds the foreign key (``related_name`` on buildings' ``PlateBuilding``), so
# its name is the higher app's; a lower app (or a sibling in the same layer) reads such data through a read view the
# higher app declares (``buildings_plate_building_v``), never through the relation.
# Calls whose string arguments are field paths (exact names; ``name__…`` strings are lookups anywhere).
PATH_CALLS = {
    "select_related",
    "prefetch_related",
    "values",
    "values_list",
    "only",
    "defer",
    "order_by",
    "distinct",
    "annotate",
    "aggregate",
    "F",
    "Prefetch",
    "FilteredRelation",
    "Count",
    "Sum",
    "Min",
    "Max",
    "Avg",
    "ArrayAgg",
    "OuterRef",
    "getattr",
    "hasattr",
}
# Calls whose keyword arguments are lookups (``filter(building_link=None)``).
LOOKUP_CALLS = {"filter", "exclude", "get", "get_or_create", "update_or_create", "Q"}
# Admin options whose strings are field paths (``list_select_related = ["building_link"]``).
PATH_OPTIONS = {
    "list_select_related",
    "list_display",
    "list_filter",
    "search_fields",
    "ordering",
    "fields",
    "readonly_fields",
    "raw_id_fields",
    "autocomplete_fields",
}


@dataclass(frozen=True)
class Relation:
    """A reverse relation on a model of ``target`` into ``holder`` (the app of the model with the foreign key)."""

    target: str
    holder: str
    accessor: str  # attribute and prefetch_related name: ``plate.building_link``
    query: str  # lookup and select_related name: ``building_link__building``
    where: str  # for the message: ``addresses.DoorPlate.building_link → buildings.PlateBuilding``


def _reverse_relations() -> list[Relation]:
    """Every named reverse relation whose foreign key is held by one of our apps, on any model (auth's User too)."""
    own = {config.label for config in _own_apps()}
    found = []
    for model in apps.get_models(include_auto_created=True):
        for rel in model._meta.get_fields():
            if not (rel.auto_created and not rel.concrete and rel.is_relation) or rel.hidden:
                continue
            holder = rel.related_model._meta.label
            if rel.related_model._meta.app_label in own:
                accessor = rel.get_accessor_name()
                found.append(
                    Relation(
                        target=model._meta.app_label,
                        holder=rel.related_model._meta.app_label,
                        accessor=accessor,
                        query=rel.field.related_query_name(),
                        where=f"{model._meta.label}.{accessor} → {holder}",
                    )
                )
    return found


def _traversals(path: Path, relations: list[Relation]) -> list[tuple[int, Relation]]:
    """Where a module uses one of ``relations``: attribute access, a field path in a query call, a lookup."""
    by_accessor = {r.accessor: r for r in relations}
    by_query = {r.query: r for r in relations} | {r.accessor: r for r in relations}  # prefetch_related: accessor

    def path_of(text: str) -> Relation | None:
        return by_query.get(text.split("__")[0]) if text else None

    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in by_accessor:
            found.append((node.lineno, by_accessor[node.attr]))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "__" in node.value:
            if relation := path_of(node.value):
                found.append((node.lineno, relation))
        elif isinstance(node, ast.Call):
            func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if func in PATH_CALLS:
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and (relation := path_of(arg.value)):
                        found.append((arg.lineno, relation))
            for keyword in node.keywords:
                name = keyword.arg or ""
                if (func in LOOKUP_CALLS or "__" in name) and (relation := path_of(name)):
                    found.append((node.lineno, relation))
        elif isinstance(node, ast.Assign) and any(getattr(t, "id", "") in PATH_OPTIONS for t in node.targets):
            for item in ast.walk(node.value):
                if isinstance(item, ast.Constant) and isinstance(item.value, str) and (relation := path_of(item.value)):
                    found.append((item.lineno, relation))
    return sorted(set(found), key=lambda item: item[0])


def reverse_traversals() -> set[str]:
    """ORM traversals, in an app's code (migrations excluded) and templates, of reverse relations that a higher
    app (or a sibling in the same layer) holds, on models the app can see: its own, lower apps' and third-party
    ones like auth's User (a relation between two higher models, ``Task.parts``, cannot be reached from below
    without one of these first)."""
    rank = _layer_rank()
    relations = [r for r in _reverse_relations() if r.holder in rank]
    found: set[str] = set()
    for package in sorted(p for p in (ROOT / "geo_portal").iterdir() if p.is_dir() and p.name in rank):
        label = package.name
        above = [
            r
            for r in relations
            if r.holder != label
            and rank[r.holder] <= rank[label]
            # on a model the app can see: its own, a lower app's or a third party's (not a sibling's)
            and (r.target == label or rank.get(r.target, len(rank)) > rank[label])
        ]
        if not above:
            continue
        for path in sorted(package.rglob("*.py")):
            if "migrations" in path.relative_to(package).parts:
                continue
            for line, relation in _traversals(path, above):
                found.add(f"{path.relative_to(ROOT)}:{line}: {label} traverses {relation.where}")
        attribute = re.compile(r"\.(" + "|".join(sorted({re.escape(r.accessor) for r in above})) + r")\b")
        for path in sorted((ROOT / "templates" / label).rglob("*.html")):
            for match in attribute.finditer(path.read_text(encoding="utf-8")):
                found.add(f"{path.relative_to(ROOT)}: {label} traverses {match.group(1)}")
    return found


def test_no_app_traverses_a_reverse_relation_into_a_higher_app():
    assert sorted(reverse_traversals()) == []


def test_the_relations_include_those_of_the_layers_and_the_scan_sees_each_form(tmp_path):
    names = {(r.holder, r.accessor, r.query) for r in _reverse_relations()}
    assert {("buildings", "building_link", "building_link"), ("reports", "citizen_reports", "citizen_reports")} <= names
    assert {("buildings", "plate_links", "plate_links"), ("addresses", "plates", "plates")} <= names
    on_user = {(r.holder, r.accessor) for r in _reverse_relations() if r.target == "auth"}
    assert ("accounts", "staff_profile") in on_user  # on auth's User, which every app sees: ingest may not use it
    relations = [r for r in _reverse_relations() if r.holder in {"buildings", "reports"}]
    probe = tmp_path / "probe.py"
    probe.write_text(
        "a = plate.building_link\n"
        'b = DoorPlate.objects.select_related("village", "building_link")\n'
        'c = getattr(plate, "building_link", None)\n'
        "d = DoorPlate.objects.filter(citizen_reports__isnull=True)\n"
        'e = DoorPlate.objects.exclude(building_link=None).values("building_link__building_id")\n'
        "f = Q(citizen_reports=None) | Q(number=1)\n"
        'g = {"building_link": 1, "plate_links": 2}  # a dict key is no traversal\n'
        'h = Layer(name="plate_links", building_link=3)  # nor a keyword of another call\n'
        "i = building.plate_links.count()\n"
        'list_select_related = ["village", "building_link"]\n'
    )
    assert [(line, r.accessor) for line, r in _traversals(probe, relations)] == [
        (1, "building_link"),
        (2, "building_link"),
        (3, "building_link"),
        (4, "citizen_reports"),
        (5, "building_link"),
        (6, "citizen_reports"),
        (9, "plate_links"),
        (10, "building_link"),
    ]
