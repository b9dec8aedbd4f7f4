"""The desktop grid of a whole grade-5 class × every subject, rendered server-side.

Aim (issue 3): median ≤ 60 ms, and a query count that does not grow with the number of pupils.
Floor: the same app's bare endpoint (/healthz) through the same client.
"""
import re
import statistics

from portal.db import db
from portal.models import Enrolment, SchoolClass

from .common import QueryCounter, demo_app, section, summary, timed

AIM_MS = 60


def login(client, username):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": username, "password": "demo1234", "csrf_token": token})


def run(n=60):
    app = demo_app()
    client = app.test_client()
    login(client, "gvcn.5a")
    with db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "5A")
        enrolments = list(Enrolment.select().where(Enrolment.school_class == klass).order_by(Enrolment.id))
    url = f"/danh-gia/lop/{klass.id}/tat-ca/CN"
    # Grow the class to exactly 35 pupils by borrowing pupils of 5B (a benchmark-only copy of the demo).
    with db.connection_context():
        other = SchoolClass.get(SchoolClass.name == "5B")
        extra = 35 - len(enrolments)
        moved = list(Enrolment.select().where(Enrolment.school_class == other).limit(max(0, extra)))
        for e in moved:
            e.school_class = klass
            e.save()
    with section("Grid: 35 pupils × all subjects of grade 5 (CN), GET " + url):
        resp = client.get(url)
        assert resp.status_code == 200, resp.status_code
        cells = resp.get_data(as_text=True).count('<form class="cell"')
        client.get(url)  # warm
        grid_ms = timed(lambda: client.get(url), n)
        floor_ms = timed(lambda: client.get("/healthz"), n)
        print(f"cells on the page: {cells}")
        print(f"grid:  {summary(grid_ms)}   (aim ≤ {AIM_MS} ms)")
        print(f"floor: {summary(floor_ms)}   (bare /healthz, same client)")
        print(f"grid − floor: {statistics.median(grid_ms) - statistics.median(floor_ms):.1f} ms")
    with section("Queries per grid request by class size (must not grow with pupils)"):
        with db.connection_context():
            all_ids = [e.id for e in Enrolment.select().where(Enrolment.school_class == klass)]
        for size in (5, 20, 35):
            with db.connection_context():
                Enrolment.update(status="active").where(Enrolment.id.in_(all_ids)).execute()
                Enrolment.update(status="left").where(Enrolment.id.in_(all_ids[size:])).execute()
            with QueryCounter() as qc:
                client.get(url)
            print(f"{size:>3} pupils: {qc.count} queries")
    return statistics.median(grid_ms)


if __name__ == "__main__":
    run()
