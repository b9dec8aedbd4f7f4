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


def test_the_database_handle_never_reaches_for_the_models():
    """models/base.py imports db.py; db.py importing a model, even inside a function, would close a circle."""
    assert not {n for n in imports_of(ROOT / "portal/db.py") if n.startswith(("portal.models", ".models", "portal.services"))}


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


@pytest.mark.parametrize("path", files("portal/services"), ids=lambda p: str(p.relative_to(ROOT / "portal/services")))
def test_services_reach_flask_only_through_the_config_helper(path):
    """Flask is reached from services only through portal/services/appconfig.py (the configuration): the acting
    user comes in as an argument, the client's address through audit.client_address, set by the web layer."""
    rel = path.relative_to(ROOT).as_posix()
    flask = {n for n in imports_of(path) if n.split(".")[0] in {"flask", "flask_login", "flask_wtf", "werkzeug"}}
    if rel == "portal/services/appconfig.py":
        assert flask == {"flask"}
    else:
        assert not flask, f"{rel} imports {flask}: use portal.services.appconfig, or take it as an argument"


@pytest.mark.parametrize("path", files("portal/services"), ids=lambda p: str(p.relative_to(ROOT / "portal/services")))
def test_services_never_import_the_job_queue_or_routes(path):
    """The queue calls the use cases; a use case is handed the queue by its caller (no jobs ↔ services circle)."""
    web = ("portal.jobs", "portal.routes", "portal.cli")
    named = set(imports_of(path))
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "portal":
            named.update(f"portal.{a.name}" for a in node.names)
    assert not {n for n in named if n.startswith(web)}, path


def model_classes() -> set[str]:
    """The names portal.models exports that are peewee models (not the code tables such as TERMS)."""
    import peewee

    import portal.models

    return {n for n, v in vars(portal.models).items() if isinstance(v, type) and issubclass(v, peewee.Model)}


QUERY_CALLS = {"select", "where", "join", "switch", "order_by", "get_or_none", "get_by_id"}


def model_reads(tree: ast.AST, models: set[str]) -> list[tuple[int, str]]:
    """Where a module builds or runs a query itself: a query-building call on anything (a string's
    " ".join excepted), `Model.get(…)`, or a model's column (`Pupil.full_name`) in an expression.
    `request.form.get(…)`, `TERMS.get(…)` and calls of query methods (`SchoolClass.of_year(year)`) are fine."""
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("portal.models", "portal.models.base"):
            imported.update(a.asname or a.name for a in node.names if a.name in models)
    fields = {name: {f for f in getattr(__import__("portal.models", fromlist=[name]), name)._meta.fields}
              for name in imported}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            receiver, attr = node.func.value, node.func.attr
            if attr in QUERY_CALLS and not isinstance(receiver, ast.Constant):
                found.append((node.lineno, f".{attr}("))
            elif attr == "get" and isinstance(receiver, ast.Name) and receiver.id in imported:
                found.append((node.lineno, f"{receiver.id}.get("))
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in fields
              and node.attr in fields[node.value.id]):
            found.append((node.lineno, f"{node.value.id}.{node.attr}"))
    return sorted(found)


@pytest.mark.parametrize("path", files("portal/routes"), ids=lambda p: str(p.relative_to(ROOT / "portal/routes")))
def test_routes_leave_queries_to_the_models_and_services(path):
    """Routes parse → call → render: a read is a query method on the model (SchoolClass.of_year(year)) or a
    read function of the feature's service; a row by id is get_or_404 / Model.by_id."""
    found = model_reads(ast.parse(path.read_text(encoding="utf-8")), model_classes())
    assert not found, f"{path.relative_to(ROOT)} queries the database itself: {found}"


@pytest.mark.parametrize("source, expected", [
    ("from portal.models import Pupil\nPupil.select()", [(2, ".select(")]),
    ("from portal.models import Pupil\nq.where(x)", [(2, ".where(")]),
    ("from portal.models import Pupil\nPupil.get(Pupil.code == c)", [(2, "Pupil.code"), (2, "Pupil.get(")]),
    ("from portal.models import Pupil\nPupil.get_or_none(x)", [(2, ".get_or_none(")]),
    ("from portal.models import Pupil\nf(Pupil.id == 1)", [(2, "Pupil.id")]),
    ("from portal.models import Pupil\nPupil.by_id(1)", []),
    ("from portal.models import TERMS\nTERMS.get(t)", []),
    ("from flask import request\nrequest.form.get('x')", []),
    ("' '.join(words)", []),
], ids=["select", "where-on-a-query", "Model.get", "get_or_none", "column", "query-method", "dict-get", "form-get",
        "str-join"])
def test_model_reads_tells_a_query_from_a_dict_lookup(source, expected):
    assert model_reads(ast.parse(source), model_classes()) == expected
