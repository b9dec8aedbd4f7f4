"""Issuing the whole demo school (issue 13): every homeroom class, then the principal's and the seal's
whole-school batches, on worker processes (SIGNING_WORKERS, 2 here), against a floor of the same work
done by the bare libraries: WeasyPrint rendering of the same records plus pyHanko signing with its
default stamp (same TSA, validation data at the seal), per record, divided by the number of processes
(perfect scaling, which no real batch reaches). Aim: ≤ 1.2× the floor and ≤ 5 minutes; worker RSS flat.
"""
import statistics
import tempfile
import time
from pathlib import Path

from portal.db import db
from portal.models import RecordVersion, SchoolClass, User
from portal.services.records import batches
from portal.services.records.parallel import sign_parallel
from portal.services.school.years import current_year

from .common import demo_app, section

AIM, AIM_S, WORKERS = 1.2, 300, 2


def run(sample=8):
    app = demo_app(Path(tempfile.mkdtemp(prefix="hocba-bench-school-")))
    app.config["SIGNING_WORKERS"] = WORKERS
    timings = {}
    with app.app_context(), db.connection_context():
        classes = list(batches.scope_classes("all", current_year()))
        t0 = time.perf_counter()
        for klass in classes:
            teacher = User.get(User.staff == klass.homeroom)
            done = sign_parallel(teacher, batches.ready(teacher, klass), "demo1234", workers=WORKERS)
            assert all(d.ok for d in done), [d.message for d in done if not d.ok][:2]
        timings["homeroom"] = time.perf_counter() - t0
        for username, role in (("hieutruong", "principal"), ("vanthu", "seal")):
            user = User.get(User.username == username)
            records = [rv for c in classes for rv in batches.ready(user, c)]
            t = time.perf_counter()
            done = sign_parallel(user, records, "demo1234", workers=WORKERS)
            timings[role] = time.perf_counter() - t
            assert all(d.ok for d in done), [d.message for d in done if not d.ok][:2]
        issued = RecordVersion.select().where(RecordVersion.status == "issued").count()
        floor = _floor(app, sample)
    total = sum(timings.values())
    with section(f"Issue the demo school: {issued} records, 3 signatures each, {WORKERS} processes"):
        for step, s in timings.items():
            print(f"{step:<9} {s:7.1f} s   floor {floor[step] * issued / WORKERS:7.1f} s   "
                  f"ratio {s / (floor[step] * issued / WORKERS):.2f}×")
        whole_floor = sum(floor.values()) * issued / WORKERS
        print(f"whole school: {total:.0f} s (aim ≤ {AIM_S} s), floor {whole_floor:.0f} s, ratio {total / whole_floor:.2f}× "
              f"(aim ≤ {AIM}×)")
    return total


def _floor(app, sample: int) -> dict:
    """Seconds per record for each step done by the bare libraries, measured on `sample` fresh records."""
    from bench.sign import _bare_sign
    from portal.documents import render as documents
    from portal.services.records import chain
    from portal.services.records.record import ensure_record, record_data
    from portal.signing import pdf as pdfsign

    klass = SchoolClass.get(SchoolClass.name == "1A")
    creds = {role: chain.unlock(User.get(User.username == name), role, "demo1234")
             for name, role in (("gvcn.1a", "homeroom"), ("hieutruong", "principal"), ("vanthu", "seal"))}
    stamper = chain.timestamper()
    per = {"homeroom": [], "principal": [], "seal": []}
    for e in list(klass.enrolments)[:sample]:
        data = record_data(ensure_record(e.pupil, klass), app.config["PUBLIC_BASE_URL"])
        t = time.perf_counter()
        rendered = documents.render([data])
        pdf = _bare_sign(pdfsign.add_fields(rendered.pdf, rendered.boxes), "homeroom", creds["homeroom"].signer,
                         True, stamper)
        per["homeroom"].append(time.perf_counter() - t)
        for role in ("principal", "seal"):
            t = time.perf_counter()
            pdf = _bare_sign(pdf, role, creds[role].signer, False, stamper)
            per[role].append(time.perf_counter() - t)
    return {role: statistics.median(v) for role, v in per.items()}


if __name__ == "__main__":
    run()
