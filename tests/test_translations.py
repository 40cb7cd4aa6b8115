"""The zh-Hant catalogue is complete: every UI string has a translation and no fuzzy guess is kept."""

from __future__ import annotations

import re
from pathlib import Path

PO = Path(__file__).resolve().parents[1] / "geo_portal" / "locale" / "zh_Hant" / "LC_MESSAGES" / "django.po"


def entries(text: str) -> list[tuple[str, str, str]]:
    """(flags, msgid, msgstr) per entry, with wrapped strings joined."""
    out = []
    for block in text.strip().split("\n\n"):
        flags = " ".join(line for line in block.splitlines() if line.startswith("#,"))
        fields, current = {}, None
        for line in block.splitlines():
            match = re.match(r'^(msgid|msgstr|msgid_plural|msgstr\[\d\]) "(.*)"$', line)
            if match:
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if "msgid" in fields:
            out.append((flags, fields["msgid"], fields.get("msgstr", fields.get("msgstr[0]", ""))))
    return out


def test_every_string_is_translated_and_none_is_fuzzy():
    found = [e for e in entries(PO.read_text(encoding="utf-8")) if e[1]]  # skip the header entry
    assert len(found) >= 250  # the whole UI: 300 strings today
    assert [msgid for flags, msgid, msgstr in found if not msgstr] == []
    assert [msgid for flags, msgid, _ in found if "fuzzy" in flags] == []


def _eager_gettext_at_import(source: str) -> list[int]:
    """Lines where ``gettext`` (imported as ``_`` or by name) is called while the module or a class body is read."""
    import ast

    tree = ast.parse(source)
    names = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
        for alias in node.names
        if alias.name in ("gettext", "ngettext", "pgettext")
    }
    found = []

    def scan(body: list) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if isinstance(node, ast.ClassDef):
                scan(node.body)
                continue
            found.extend(
                n.lineno for n in ast.walk(node) if isinstance(n, ast.Call) and getattr(n.func, "id", None) in names
            )

    scan(tree.body)
    return found


def test_no_label_is_translated_once_at_import():
    """A label made with gettext when the module is imported keeps the language of that moment for every request
    (Chinese words inside an English message); module and class level labels must use gettext_lazy."""
    root = PO.parents[3]
    eager = {
        str(path.relative_to(root.parent)): lines
        for path in sorted(root.rglob("*.py"))
        if "migrations" not in path.parts and (lines := _eager_gettext_at_import(path.read_text(encoding="utf-8")))
    }
    assert eager == {}


def test_the_import_time_check_sees_module_and_class_level_calls():
    source = (
        "from django.utils.translation import gettext as _, gettext_lazy\n"
        "A = {'x': _('x')}\n"
        "B = gettext_lazy('b')\n"
        "class C:\n    label = _('c')\n    def f(self):\n        return _('f')\n"
        "def g():\n    return _('g')\n"
    )
    assert _eager_gettext_at_import(source) == [2, 5]
