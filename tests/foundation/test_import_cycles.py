"""The write path's modules import one way: ``decisions.ingestion``'s pipeline, writers and uploads
use ``decisions.services``, which uses the ingestion helpers below it (originals, parser process,
prepare, rows), and none of those reaches back to it, even from inside a function."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "decisions"


def module_names() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        found[name] = path
    return found


def imported(name: str, path: Path, known: set[str]) -> set[str]:
    """The project's modules a module imports anywhere in it (top level, functions, TYPE_CHECKING)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            targets.add(base)
            targets.update(f"{base}.{alias.name}" for alias in node.names)
    return {target for target in targets if target in known and target != name}


def reachable(start: str, graph: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(graph[module])
    return seen


def import_graph() -> dict[str, set[str]]:
    modules = module_names()
    return {name: imported(name, path, set(modules)) for name, path in modules.items()}


def test_nothing_the_services_import_imports_the_services_back():
    graph = import_graph()
    assert "decisions.services" not in reachable("decisions.services", graph)


def test_no_ingestion_module_is_in_an_import_cycle():
    graph = import_graph()
    in_cycles = [name for name in graph if name.startswith("decisions.ingestion") and name in reachable(name, graph)]
    assert in_cycles == []


WRITE_PATH = ["decisions.services", *sorted(name for name in module_names() if name.startswith("decisions.ingestion."))]


@pytest.mark.parametrize("module", WRITE_PATH)
def test_each_write_path_module_imports_first_in_a_fresh_interpreter(module):
    code = f"import django; django.setup(); import {module}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    finished = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr[-2000:]
