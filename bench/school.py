"""Issuing the whole demo school (issue 13): every homeroom class, then the principal's and the seal's
whole-school batches, on worker processes (SIGNING_WORKERS, 2 here), against a floor of the same work
done by the bare libraries on as many processes: WeasyPrint rendering of sample records plus pyHanko
signing with its default stamp (same TSA, validation data at the seal), the sample split over 2 processes
running at once on the same 2 cores (and the same demo TSA/OCSP responder), scaled to the school's
record count. The perfect-scaling figure (one process's time divided by 2, which nothing on 2 shared cores
reaches) is printed too. Aim: ≤ 1.2× the floor and ≤ 5 minutes; worker RSS flat.
"""
import multiprocessing
import statistics
import tempfile
import time
from collections import defaultdict
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
    timings, rss = {}, defaultdict(list)

    def memory(done):
        rss[done.pid].append((done.role, done.rss_mb))

    with app.app_context(), db.connection_context():
        classes = list(batches.scope_classes("all", current_year()))
        t0 = time.perf_counter()
        for klass in classes:
            teacher = User.get(User.staff == klass.homeroom)
            done = sign_parallel(teacher, batches.ready(teacher, klass), "demo1234", workers=WORKERS,
                                 progress=memory)
            assert all(d.ok for d in done), [d.message for d in done if not d.ok][:2]
        timings["homeroom"] = time.perf_counter() - t0
        for username, role in (("hieutruong", "principal"), ("vanthu", "seal")):
            user = User.get(User.username == username)
            records = [rv for c in classes for rv in batches.ready(user, c)]
            t = time.perf_counter()
            done = sign_parallel(user, records, "demo1234", workers=WORKERS, progress=memory)
            timings[role] = time.perf_counter() - t
            assert all(d.ok for d in done), [d.message for d in done if not d.ok][:2]
        issued = RecordVersion.select().where(RecordVersion.status == "issued").count()
        single = _floor(app, sample)
    parallel = _parallel_floor(app, 3 * sample)
    total = sum(timings.values())
    with section(f"Issue the demo school: {issued} records, 3 signatures each, {WORKERS} processes"):
        for step, s in timings.items():
            f, perfect = parallel[step] * issued, single[step] * issued / WORKERS
            print(f"{step:<9} {s:7.1f} s   floor on {WORKERS} processes {f:7.1f} s   ratio {s / f:.2f}×   "
                  f"(perfect scaling {perfect:.1f} s: {s / perfect:.2f}×)")
        whole_floor = sum(parallel.values()) * issued
        perfect = sum(single.values()) * issued / WORKERS
        print(f"whole school: {total:.0f} s (aim ≤ {AIM_S} s), floor {whole_floor:.0f} s, ratio {total / whole_floor:.2f}× "
              f"(aim ≤ {AIM}×); perfect scaling {perfect:.0f} s, {total / perfect:.2f}×")
        signing = timings["principal"] + timings["seal"]
        signing_floor = (parallel["principal"] + parallel["seal"]) * issued
        print(f"principal + seal batches: {signing:.0f} s, floor {signing_floor:.0f} s, ratio "
              f"{signing / signing_floor:.2f}× (aim ≤ {AIM}×)")
        for pid, seen in rss.items():  # per step: each role's first signature loads its own code paths once
            steps = []
            for role in ("homeroom", "principal", "seal"):
                mb = [m for r, m in seen if r == role]
                if mb:
                    warm = mb[min(len(mb) - 1, 20)]
                    steps.append(f"{role} {mb[0]:.0f} → 21st {warm:.0f} → last {mb[-1]:.0f} MB "
                                 f"({mb[-1] - warm:+.1f} after warm-up)")
            print(f"worker {pid}: {len(seen)} records; RSS " + "; ".join(steps))
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
    for e in list(klass.enrolments)[:sample + 1]:  # the first, dropped below, warms fonts and caches up
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
    return {role: statistics.median(v[1:]) for role, v in per.items()}


def _bare_share(config: dict, datas: list, barrier, out) -> None:
    """One floor process: render + sign (homeroom, principal, seal) its records, timing each step."""
    from bench.sign import _bare_sign
    from portal import create_app
    from portal.documents import render as documents
    from portal.services.records import chain
    from portal.signing import pdf as pdfsign

    app = create_app(config)
    with app.app_context(), db.connection_context():
        creds = {role: chain.unlock(User.get(User.username == name), role, "demo1234")
                 for name, role in (("gvcn.1a", "homeroom"), ("hieutruong", "principal"), ("vanthu", "seal"))}
        stamper = chain.timestamper()
        spent = {"homeroom": 0.0, "principal": 0.0, "seal": 0.0}
        for i, data in enumerate([datas[0], *datas]):  # the first, untimed, warms fonts and caches up
            if i == 1:
                spent = {"homeroom": 0.0, "principal": 0.0, "seal": 0.0}
                barrier.wait()
            t = time.perf_counter()
            rendered = documents.render([data])
            pdf = _bare_sign(pdfsign.add_fields(rendered.pdf, rendered.boxes), "homeroom",
                             creds["homeroom"].signer, True, stamper)
            spent["homeroom"] += time.perf_counter() - t
            for role in ("principal", "seal"):
                t = time.perf_counter()
                pdf = _bare_sign(pdf, role, creds[role].signer, False, stamper)
                spent[role] += time.perf_counter() - t
    out.put(spent)


def _parallel_floor(app, sample: int) -> dict:
    """Wall seconds per record for each step when the bare libraries do `sample` records on WORKERS processes
    at once (each step's time summed over the processes, per record, divided by WORKERS)."""
    from portal.services.records.parallel import _portable_config
    from portal.services.records.record import ensure_record, record_data

    with app.app_context(), db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "1B")
        datas = [record_data(ensure_record(e.pupil, klass), app.config["PUBLIC_BASE_URL"])
                 for e in list(klass.enrolments)[:sample]]
        config = _portable_config(app.config)
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(WORKERS), ctx.Queue()
    procs = [ctx.Process(target=_bare_share, args=(config, datas[i::WORKERS], barrier, out)) for i in range(WORKERS)]
    for p in procs:
        p.start()
    spent = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
    return {step: sum(s[step] for s in spent) / len(datas) / WORKERS for step in spent[0]}  # warm-up excluded


if __name__ == "__main__":
    run()
