"""A multi-level school signs each class by its own level's chain (config SIGNING_CHAIN), not by the
school's first level; a secondary record's chain expands `subject` into one slot per subject teacher."""
from portal.db import db
from portal.services import signing, verification
from portal.services.records import ensure_record
from tests import factories


def test_multi_level_school_chain_by_class_level(app):
    with app.app_context(), db.connection_context():
        factories.make_school(name="Trường TH và THCS Thử Nghiệm", level="TH,THCS")
        primary, secondary = factories.make_class("1A", grade=1), factories.make_class("6A", grade=6)
        assert signing.chain(primary) == ["homeroom", "principal", "seal"]
        assert signing.chain(secondary) == ["subject", "homeroom", "principal", "seal"]
        factories.assign(factories.make_staff(full_name="Lê Dạy Toán"), secondary, "TOAN")
        teacher = factories.make_staff(full_name="Hà Dạy Văn")
        factories.assign(teacher, secondary, "NV")
        factories.assign(teacher, secondary, "KHTN")
        pupil = factories.make_pupil(secondary)
        rv = ensure_record(pupil, secondary)
        assert signing.record_roles(rv) == ["subject_1", "subject_2", "homeroom", "principal", "seal"]
        assert signing.next_role(rv) == "subject"
        rv1 = ensure_record(factories.make_pupil(primary), primary)
        assert signing.record_roles(rv1) == ["homeroom", "principal", "seal"] and signing.next_role(rv1) == "homeroom"


def test_verification_reads_the_chain_from_the_record(app):
    with app.app_context(), db.connection_context():
        factories.make_school(name="Trường TH và THCS Thử Nghiệm", level="TH,THCS")
        record = {"school": {"level": "THCS"}, "signers": {"subject": [{"slot": "subject_1"}, {"slot": "subject_2"}]}}
        assert verification.chain_roles(record) == ["subject_1", "subject_2", "homeroom", "principal", "seal"]
        assert verification.chain_roles({"school": {"level": "TH"}, "signers": {}}) == ["homeroom", "principal", "seal"]
        assert verification.chain_roles(["not", "a", "record"]) == ["homeroom", "principal", "seal"]
