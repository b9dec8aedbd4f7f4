"""Ids too large for SQLite's 64-bit integers (issue 11 item 10): a 404 on every route, never a 500."""
import re

import pytest

from tests.conftest import Browser

HUGE = "99999999999999999999"
PLACEHOLDER = {"cp": "CN", "target": "s1", "field": "level", "slug": "hoc-sinh", "code": "ABCD-EFGH-12"}


def int_rules(app):
    return [r for r in app.url_map.iter_rules() if any(c.__class__.__name__ == "IdConverter"
                                                       for c in r._converters.values())]


def path_for(rule, value):
    def fill(m):
        kind, name = m.group(1), m.group(2)
        return value if kind == "int" else PLACEHOLDER.get(name, "x")
    return re.sub(r"<(?:(\w+):)?(\w+)>", fill, rule.rule)


@pytest.fixture
def principal(demo_app):
    b = Browser(demo_app.test_client())
    b.login("hieutruong")
    return b


def test_every_route_with_an_id_answers_404_for_a_huge_one(demo_app, principal):
    rules = int_rules(demo_app)
    assert len(rules) >= 30, "every <int:…> rule uses the bounded converter"
    token = principal.token("/")
    answers = {}
    for rule in rules:
        path = path_for(rule, HUGE)
        method = "GET" if "GET" in rule.methods else "POST"
        resp = principal.client.open(path, method=method, data={"csrf_token": token} if method == "POST" else None)
        answers[f"{method} {path}"] = resp.status_code
    assert set(answers.values()) == {404}, {k: v for k, v in answers.items() if v != 404}


@pytest.mark.parametrize("value", [str(2**63 - 1), str(2**63), HUGE])
@pytest.mark.parametrize("path", ["/danh-gia/lop/{}", "/hoc-ba/tai/{}.pdf", "/duyet/dinh-chinh/{}",
                                  "/lop/{}", "/tong-hop/lop/{}/CN"])
def test_ids_at_the_edge_of_64_bits(principal, path, value):
    """The largest id SQLite holds is looked up (no row: 404); one more does not match the route (404)."""
    assert principal.get(path.format(value)).status_code == 404


def test_huge_numbers_in_query_and_form_fields_are_ignored_not_500(demo_app, principal):
    assert principal.get(f"/duyet/lich-su?lop={HUGE}&nguoi={HUGE}").status_code == 200
    resp = principal.post("/danh-gia/mau", {"subject_id": HUGE, "pupil_id": HUGE, "level": "T", "text": "Em chăm chỉ"})
    assert resp.status_code in (200, 422)
    admin = Browser(demo_app.test_client())
    admin.login("admin")
    assert admin.get(f"/quan-tri/hoc-sinh?lop={HUGE}").status_code == 200


def test_a_huge_subject_in_a_cell_target_is_404(demo_app, principal):
    from portal.db import db
    from portal.models import SchoolClass
    with demo_app.app_context(), db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "1A")
        pupil = klass.enrolments.first().pupil_id
    teacher = Browser(demo_app.test_client())
    teacher.login("gvcn.1a")
    resp = teacher.post(f"/danh-gia/o/{klass.id}/{pupil}/CN/s{HUGE}/level", {"value": "T"})
    assert resp.status_code == 404
