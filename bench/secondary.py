"""Secondary (TT22) screens on the THCS demo grown to 45 pupils in 6A.

- subject grid (Toán, 140 periods: 4 ĐĐGtx + giữa kì + cuối kì + nhận xét) for 45 pupils × one semester:
  median server time (aim ≤ 60 ms) and the query count for 5 / 20 / 45 pupils (must be constant);
- class summary of 45 pupils × 12 subjects computed and rendered (aim ≤ 150 ms).
"""
import datetime as dt
import random
import statistics
import tempfile
from pathlib import Path

from portal import create_app
from portal.db import db, upgrade, write_tx
from portal.models import Enrolment, Pupil, School, SchoolClass, Subject

from .common import QueryCounter, section, summary, timed
from .grid import login

GRID_AIM_MS, SUMMARY_AIM_MS = 60, 150


def secondary_app():
    import portal.services.demo.secondary as demo_secondary
    from portal.signing.responder import free_port
    workdir = Path(tempfile.mkdtemp(prefix="hocba-bench-"))
    app = create_app({"TESTING": False, "SECRET_KEY": "bench", "DATABASE": str(workdir / "bench.sqlite3"),
                      "WTF_CSRF_ENABLED": True, "TRUST_DIR": str(workdir / "trust"),
                      "RECORDS_DIR": str(workdir / "records"), "HUEY_FILE": str(workdir / "huey.sqlite3"),
                      "DEMO_PKI_DIR": str(workdir / "demo-pki"), "DEMO_PKI_PORT": free_port()})
    upgrade()
    demo_secondary.seed_pki = lambda **kw: None  # certificates play no part in these screens
    with app.app_context(), db.connection_context():
        demo_secondary.seed_secondary_demo("THCS", today=dt.date(2026, 11, 22))
        klass = SchoolClass.get(SchoolClass.name == "6A")
        subjects = demo_secondary.class_subjects(klass)
        scored = [s for s, _ in subjects if s.assessment == "score"]
        rng, school = random.Random(1), School.current()
        with write_tx():
            for i in range(45 - Enrolment.select().where(Enrolment.school_class == klass).count()):
                pupil = Pupil.create(code=f"BENCH{i:04d}", full_name=f"Học Sinh Thêm {i}", gender=1,
                                     born_on=dt.date(2015, 1, 1))
                demo_secondary.enrol(pupil, klass, school)
                demo_secondary._scores(rng, klass, pupil, subjects, scored, demo_secondary.PROFILES[i % 8], False)
    return app


def _sizes(client, klass, url):
    with db.connection_context():
        ids = [e.id for e in Enrolment.select().where(Enrolment.school_class == klass).order_by(Enrolment.id)]
    for size in (5, 20, 45):
        with db.connection_context():
            Enrolment.update(status="active").where(Enrolment.id.in_(ids)).execute()
            Enrolment.update(status="left").where(Enrolment.id.in_(ids[size:])).execute()
        with QueryCounter() as qc:
            client.get(url)
        print(f"{size:>3} pupils: {qc.count} queries")
    with db.connection_context():
        Enrolment.update(status="active").where(Enrolment.id.in_(ids)).execute()


def run_grid(n=40):
    app = secondary_app()
    client = app.test_client()
    login(client, "gv.toan")
    with app.app_context(), db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "6A")
        toan = Subject.get((Subject.code == "TOAN") & (Subject.level == "THCS"))
    url = f"/trung-hoc/lop/{klass.id}/mon/{toan.id}/HK1"
    with section("Secondary subject grid: 45 pupils × Toán HK I (4 ĐĐGtx, GK, CK, nhận xét), GET " + url):
        resp = client.get(url)
        assert resp.status_code == 200, resp.status_code
        cells = resp.get_data(as_text=True).count('<form class="cell"')
        print(f"cells on the page: {cells}")
        ms = timed(lambda: client.get(url), n)
        print(f"grid: {summary(ms)}   (aim ≤ {GRID_AIM_MS} ms)")
    with section("Queries per secondary grid request by class size (must not grow with pupils)"):
        _sizes(client, klass, url)
    return statistics.median(ms)


def run_summary(n=20):
    app = secondary_app()
    client = app.test_client()
    login(client, "hieutruong")
    with app.app_context(), db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "6A")
    url = f"/trung-hoc/lop/{klass.id}/tong-hop"
    with section("Secondary class summary: 45 pupils × 12 subjects computed and rendered, GET " + url):
        assert client.get(url).status_code == 200
        ms = timed(lambda: client.get(url), n)
        print(f"summary: {summary(ms)}   (aim ≤ {SUMMARY_AIM_MS} ms)")
    with section("Queries per summary request by class size"):
        _sizes(client, klass, url)
    return statistics.median(ms)
