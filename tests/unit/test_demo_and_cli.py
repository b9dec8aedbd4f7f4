"""The demo school and the contract CLI commands."""
import subprocess
import sys
import unicodedata

from portal.db import db
from portal.models import Pupil, SchoolClass, User
from portal.services.school.identity import findings

DEMO_USERS = ["admin", "hieutruong", "phohieutruong", "vanthu", "gvcn.1a", "gvcn.5a", "gv.tienganh"]
MARKS = {"\u0300": "huyền", "\u0301": "sắc", "\u0303": "ngã", "\u0309": "hỏi", "\u0323": "nặng",
         "\u0306": "ă (breve)", "\u0302": "â ê ô (circumflex)", "\u031b": "ơ ư (horn)"}


def test_demo_school_shape(demo_app):
    with db.connection_context():
        classes = list(SchoolClass.select())
        assert sorted(c.name for c in classes) == ["1A", "1B", "2A", "2B", "3A", "3B", "4A", "4B", "5A", "5B"]
        for c in classes:
            assert 30 <= c.enrolments.count() <= 35
        names = " ".join(p.full_name for p in Pupil.select())
        decomposed = unicodedata.normalize("NFD", names)
        missing = [label for mark, label in MARKS.items() if mark not in decomposed]
        assert not missing, missing
        assert "đ" in names.lower()
        for p in Pupil.select():
            assert findings(p.national_id, p.born_on, p.gender) == [], p.code
        users = {u.username: u for u in User.select()}
        for name in DEMO_USERS:
            assert name in users and not users[name].must_change_password
        assert users["phohieutruong"].roles[0].can_sign


def test_demo_refuses_non_empty_database(demo_app):
    result = demo_app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 1 and "--reset" in result.output


def test_demo_reset_seeds_again(demo_app, tmp_path):
    from portal.signing.responder import free_port

    # A new demo PKI of its own (the session's demo PKI stays as the other tests' copies expect it).
    demo_app.config.update(DEMO_PKI_DIR=str(tmp_path / "new-demo-pki"), DEMO_PKI_PORT=free_port())
    runner = demo_app.test_cli_runner()
    with db.connection_context():
        Pupil.update(full_name="Đã Sửa").where(Pupil.id == 1).execute()
    result = runner.invoke(args=["demo", "--reset"])
    assert result.exit_code == 0, result.output
    with db.connection_context():
        assert Pupil.get_by_id(1).full_name != "Đã Sửa"


def test_pupils_command_matches_on_screen_order(demo_app):
    from tests.conftest import Browser
    result = demo_app.test_cli_runner().invoke(args=["pupils", "--class", "1A"])
    assert result.exit_code == 0
    lines = [line.split("\t") for line in result.output.strip().splitlines()]
    assert all(len(parts) == 2 for parts in lines)
    browser = Browser(demo_app.test_client())
    browser.login("gvcn.1a")
    with db.connection_context():
        cid = SchoolClass.get(SchoolClass.name == "1A").id
    page = browser.get(f"/lop/{cid}").get_data(as_text=True)
    import re
    on_screen = re.findall(r'data-code="([^"]+)"', page)
    assert on_screen == [code for code, _ in lines]


def test_pupils_command_unknown_class(demo_app):
    result = demo_app.test_cli_runner().invoke(args=["pupils", "--class", "9Z"])
    assert result.exit_code == 1


def test_real_cli_entry_point(tmp_path):
    """`flask --app portal …` as the README says, in a fresh instance folder."""
    env = {"HOCBA_DATABASE": str(tmp_path / "cli.sqlite3"), "PATH": "/usr/bin:/bin"}
    flask = [sys.executable, "-m", "flask", "--app", "portal"]
    up = subprocess.run(flask + ["db", "upgrade"], env=env, capture_output=True, text=True, timeout=120)
    assert up.returncode == 0, up.stderr
    assert "applied: 0001_initial" in up.stdout
    status = subprocess.run(flask + ["db", "status"], env=env, capture_output=True, text=True, timeout=120)
    assert status.returncode == 0 and "[x] 0001_initial" in status.stdout
