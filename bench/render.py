"""Render a class of 35 one-year records (issue 4).

Prints the median ms per document for the portal's whole path (load the record, build the HTML and
JSON, WeasyPrint, signature boxes) and, in the same run, WeasyPrint alone on the same HTML with the
same PDF/A options (the floor); peak memory of the process. Aim: total ≤ 1.2 × floor.
"""
import resource
import statistics
import time

from weasyprint import HTML, Attachment

from portal.db import db
from portal.documents import render as documents
from portal.models import Enrolment, SchoolClass
from portal.services.records.record import ensure_record, record_data
from portal.services.records.rendering import render_record

from .common import demo_app, section, summary

AIM = 1.2


def run(size=35):
    app = demo_app()
    with app.app_context(), db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "5A")
        pupils = [e.pupil for e in Enrolment.select().where(Enrolment.school_class == klass)]
        other = [e.pupil for e in Enrolment.select().join(SchoolClass).where(SchoolClass.name == "5B")]
        jobs = [(p, klass) for p in pupils] + [(p, SchoolClass.get(SchoolClass.name == "5B")) for p in other]
        jobs = jobs[:size]
        base = app.config["PUBLIC_BASE_URL"]
        render_record(*jobs[0], base)  # warm fonts and templates
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        portal_ms, floor_ms, pages = [], [], []
        for pupil, k in jobs:
            t = time.perf_counter()
            out = render_record(pupil, k, base)
            portal_ms.append((time.perf_counter() - t) * 1000)
            pages.append(out.pages)
            # The floor: WeasyPrint alone on the very same HTML and attachment.
            data = record_data(ensure_record(pupil, k), base)
            source = documents.html([data]).replace("__HOCBA_JSON_SHA256__", out.sha256)
            t = time.perf_counter()
            HTML(string=source, base_url=str(documents.HERE)).write_pdf(
                pdf_variant="pdf/a-3b", custom_metadata=True, font_config=documents._fonts,
                attachments=[Attachment(string=out.data.decode(), name="hocba.json", relationship="Data")])
            floor_ms.append((time.perf_counter() - t) * 1000)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with section(f"Render {len(jobs)} one-year records ({statistics.mean(pages):.1f} pages each on average)"):
        ratio = statistics.median(portal_ms) / statistics.median(floor_ms)
        print(f"portal:     {summary(portal_ms)} per document")
        print(f"WeasyPrint: {summary(floor_ms)} per document (floor: same HTML, same options)")
        print(f"ratio: {ratio:.2f}× (aim ≤ {AIM}×)")
        print(f"peak memory (max RSS): {rss_after / 1024:.0f} MB (before the run: {rss_before / 1024:.0f} MB)")
    return ratio


if __name__ == "__main__":
    run()
