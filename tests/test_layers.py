"""The apps depend one way: each imports only the apps below it in INSTALLED_APPS, never
one above it, not even inside a function. Where a lower app lets higher ones take part it
owns a registry they fill in their `AppConfig.ready()` (complaints/page.py, hooks.py,
personal_data.py, accounts/privacy.py, accounts/events.py)."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LAYERS = [app for app in settings.INSTALLED_APPS if (ROOT / app / "__init__.py").exists()]
PROJECT = {*LAYERS, "config"}


def imports_of(app: str) -> list[tuple[str, int, str]]:
    """(file, line, imported app) for every import of another project app, anywhere."""
    found = []
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top in PROJECT and top != app:
                    found.append((str(path.relative_to(ROOT)), node.lineno, top))
    return found


def test_the_layers_are_the_apps_in_order():
    assert LAYERS == [
        "lib",
        "accounts",
        "audit",
        "complaints",
        "evidence",
        "regulators",
        "escalations",
        "cases",
        "notifications",
    ]


def test_no_app_imports_one_above_it():
    upward = []
    for rank, app in enumerate(LAYERS):
        allowed = set(LAYERS[:rank])
        upward += [
            f"{file}:{line} imports {other}" for file, line, other in imports_of(app) if other not in allowed
        ]
    assert upward == []


def test_the_check_sees_imports_inside_functions(tmp_path, monkeypatch):
    package = tmp_path / "lowapp"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "x.py").write_text("def f():\n    from config.celery import app\n    return app\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)

    assert imports_of("lowapp") == [("lowapp/x.py", 2, "config")]


def test_no_app_uses_another_apps_views_or_private_names():
    """Each app offers selectors and services by name; its views and `_private` helpers
    are its own business."""
    found = []
    for app in LAYERS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module):
                    continue
                top = node.module.split(".")[0]
                if top not in PROJECT or top == app:
                    continue
                names = [alias.name for alias in node.names]
                if node.module.endswith(".views") or any(name.startswith("_") for name in names):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.module} {names}")
    assert found == []
