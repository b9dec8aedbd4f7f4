"""Import direction (STYLE.md): grading and signing are pure; migrations never import the models."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                names.add("." * node.level + (node.module or ""))
            else:
                names.add(node.module or "")
    return names


def files(folder):
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", files("portal/grading") + files("portal/signing"), ids=lambda p: p.name)
def test_pure_packages_import_no_flask_or_portal(path):
    bad = {n for n in imports_of(path)
           if n.split(".")[0] in {"flask", "flask_login", "flask_wtf", "peewee", "playhouse"}
           or (n.startswith("portal") and not n.startswith(("portal.grading", "portal.signing")))
           or n.startswith("..")}
    assert not bad, f"{path.name} imports {bad}"


@pytest.mark.parametrize("path", files("migrations"), ids=lambda p: p.name)
def test_migrations_do_not_import_models(path):
    assert not {n for n in imports_of(path) if n.startswith("portal")}


@pytest.mark.parametrize("path", files("portal/models"), ids=lambda p: p.name)
def test_models_never_call_services_or_routes(path):
    assert not {n for n in imports_of(path) if n.startswith(("portal.services", "portal.routes"))}


@pytest.mark.parametrize("path", files("portal/routes"), ids=lambda p: p.name)
def test_routes_do_not_open_transactions_or_read_htmx_headers(path):
    text = path.read_text(encoding="utf-8")
    assert "db.atomic" not in text and "execute_sql" not in text
    assert "HX-" not in text, "only portal/htmx.py reads HX-* headers"


@pytest.mark.parametrize("path", files("portal/routes") + files("portal/cli"), ids=lambda p: p.name)
def test_routes_and_the_cli_leave_the_audit_trail_to_the_use_cases(path):
    """The audit append belongs to the use case (in its transaction), never to the page or the command."""
    calls = [n.lineno for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "record"
             and isinstance(n.func.value, ast.Name) and n.func.value.id == "audit"]
    assert not calls, f"{path.name} writes the audit trail itself at lines {calls}"


def test_modules_stay_small():
    big = [(p.relative_to(ROOT), n) for p in files("portal") if (n := len(p.read_text().splitlines())) > 450]
    assert not big, big


FEATURES = ("school", "evaluation", "records", "exchange", "accounts", "system", "demo")


def test_services_are_one_package_per_feature():
    """portal/services/<feature>/: no flat use-case modules; each package names its use cases."""
    services = ROOT / "portal" / "services"
    assert sorted(p.name for p in services.glob("*.py")) == ["__init__.py", "appconfig.py"]
    packages = sorted(p.name for p in services.iterdir() if p.is_dir() and p.name != "__pycache__")
    assert packages == sorted(FEATURES)
    for init in services.rglob("__init__.py"):
        if init.parent != services:
            assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), f"{init} names no use cases"


@pytest.mark.parametrize("path", [p for p in files("portal") if "services/demo" not in p.as_posix()
                                  and "/cli" not in p.as_posix()], ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_cli_seeds_the_demo(path):
    assert not {n for n in imports_of(path) if "services.demo" in n}


# Flask is reached from services only through portal/services/appconfig.py (the configuration). Modules
# still reading the request or the logged-in user themselves are listed here until they take them as
# arguments; the list may only shrink.
READS_REQUEST = {"portal/services/system/audit.py"}


@pytest.mark.parametrize("path", files("portal/services"), ids=lambda p: str(p.relative_to(ROOT / "portal/services")))
def test_services_reach_flask_only_through_the_config_helper(path):
    rel = path.relative_to(ROOT).as_posix()
    flask = {n for n in imports_of(path) if n.split(".")[0] in {"flask", "flask_login", "flask_wtf", "werkzeug"}}
    if rel == "portal/services/appconfig.py":
        assert flask == {"flask"}
    elif rel in READS_REQUEST:
        assert flask <= {"flask", "flask_login"}
    else:
        assert not flask, f"{rel} imports {flask}: use portal.services.appconfig, or take it as an argument"


@pytest.mark.parametrize("path", files("portal/services"), ids=lambda p: str(p.relative_to(ROOT / "portal/services")))
def test_services_never_import_the_job_queue_or_routes(path):
    """The queue calls the use cases; a use case is handed `enqueue` by its caller (no jobs ↔ services circle)."""
    web = ("portal.jobs", "portal.routes", "portal.cli")
    named = set(imports_of(path))
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "portal":
            named.update(f"portal.{a.name}" for a in node.names)
    assert not {n for n in named if n.startswith(web)}, path
