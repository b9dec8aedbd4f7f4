"""Helpers for signing tests: the demo signers, an NSS trust store for pdfsig, a local TSA."""
import subprocess
from pathlib import Path

from portal.db import db
from portal.models import Enrolment, RecordVersion, SchoolClass, User, YearResult
from portal.services.records.record import ensure_record

PASS = "demo1234"


def user(name):
    return User.get(User.username == name)


def first_records(class_name="1A", n=2, outcome_not="CHT"):
    klass = SchoolClass.get(SchoolClass.name == class_name)
    pupils = [e.pupil for e in Enrolment.select().where(Enrolment.school_class == klass).order_by(Enrolment.id)]
    out = []
    for p in pupils:
        yr = YearResult.get_or_none(pupil=p, school_class=klass)
        if yr and yr.outcome != outcome_not:
            out.append(ensure_record(p, klass))
        if len(out) == n:
            break
    return out


def nss_db(tmp_path: Path, trust_dir: Path) -> str:
    nss = tmp_path / "nss"
    nss.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True, capture_output=True)
    for i, pem in enumerate(sorted(Path(trust_dir).glob("*.pem"))):
        subprocess.run(["certutil", "-A", "-n", f"anchor{i}", "-t", "C,C,C", "-i", str(pem), "-d", f"sql:{nss}"],
                       check=True, capture_output=True)
    return f"sql:{nss}"


def pdfsig(path, nss) -> str:
    return subprocess.run(["pdfsig", "-nssdir", nss, str(path)], capture_output=True, text=True, timeout=60).stdout


def reload(rv):
    with db.connection_context():
        return RecordVersion.get_by_id(rv.id)
