"""`flask --app portal demo --level THCS|THPT`: a secondary school whose year covers every outcome."""
import pytest

from portal.db import db
from portal.models import School, SchoolClass, Subject, TeachingAssignment, User
from portal.services.demo.secondary import seed_secondary_demo
from portal.services.evaluation.secondary.summary import class_summary


@pytest.mark.parametrize("level, final_class", [("THCS", "9A"), ("THPT", "12A")])
def test_secondary_demo_covers_every_outcome(app, level, final_class, monkeypatch):
    import portal.services.demo.secondary as demo_secondary
    monkeypatch.setattr(demo_secondary, "seed_pki", lambda **kw: None)  # the PKI is the primary demo's, tested there
    with app.app_context(), db.connection_context():
        seed_secondary_demo(level)
        assert School.current().level == level
        klass = SchoolClass.get(SchoolClass.name == final_class)
        subjects, rows = class_summary(klass)
        decisions = {r.decision for r in rows}
        assert {"len_lop", "ren_luyen_he", "kiem_tra_lai", "o_lai"} <= decisions
        assert {"XS", "G"} <= {r.award for r in rows}
        assert {"len_lop"} <= {r.final for r in rows if r.decision in ("ren_luyen_he", "kiem_tra_lai")}
        assert any(r.retests for r in rows)
        assert User.get(User.username == "gv.toan").staff_id
        maths = Subject.get((Subject.code == "TOAN") & (Subject.level == level))
        assert TeachingAssignment.select().where(TeachingAssignment.subject == maths).count() == 2
        assert len(subjects) == (12 if level == "THCS" else 12)
