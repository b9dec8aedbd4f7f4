"""Binding of subject signatures (docs/signer-binding.md), on the file alone: each subject field must be
signed by the teacher the embedded data names for that slot; the chain lets subject fields come in any
order, before the homeroom teacher."""
import pytest

from portal.services.binding import binding_checks
from portal.services.subject_signing import expand, same_chain

SCHOOL = "Trường THPT Hậu Lộc I"
RECORD = {
    "school": {"name": SCHOOL, "level": "THPT"},
    "signers": {
        "subject": [{"slot": "subject_1", "name": "Lê Dạy Toán", "subjects": ["Toán"], "subject_codes": ["TOAN"]},
                    {"slot": "subject_2", "name": "Hà Dạy Văn", "subjects": ["Ngữ văn"], "subject_codes": ["NV"]}],
        "homeroom": {"name": "Hà Dạy Văn"},
        "principal": {"name": "Nguyễn Hiệu Trưởng", "deputies": []},
        "seal": {"name": SCHOOL, "tax_code": "0101234567"},
    },
}


def sig(role, name, number):
    return {"role": role, "signer": name, "cert_sha256": f"sha-{number}",
            "subject": {"common_name": name, "organisation": SCHOOL, "ids": {"CCCD": number}}}


def statuses(sigs):
    return {c.key: (c.status, c.reason) for c in binding_checks(sigs, RECORD)}


def test_each_subject_field_by_its_own_teacher():
    out = statuses([sig("subject_2", "Hà Dạy Văn", "2"), sig("subject_1", "Lê Dạy Toán", "1")])
    assert out["sig1.signer"][0] == out["sig2.signer"][0] == "passed"


def test_a_subject_field_signed_by_the_other_teacher_fails():
    out = statuses([sig("subject_1", "Hà Dạy Văn", "2")])
    assert out["sig1.signer"][0] == "failed"
    assert out["sig1.signer"][1] == ("Chữ ký ở ô Giáo viên bộ môn là của Hà Dạy Văn, giáo viên chủ nhiệm — "
                                     "không phải giáo viên bộ môn.")


def test_malformed_subject_list_is_a_failed_check_not_a_crash():
    record = {**RECORD, "signers": {**RECORD["signers"], "subject": ["x", 3]}}
    out = {c.key: c.status for c in binding_checks([sig("subject_1", "Lê Dạy Toán", "1")], record)}
    assert out["sig1.signer"] == "failed"


def test_homeroom_teacher_may_also_sign_their_subject_but_nobody_two_subject_fields():
    ok = statuses([sig("subject_2", "Hà Dạy Văn", "2"), sig("homeroom", "Hà Dạy Văn", "2")])
    assert ok["signers.distinct"][0] == "passed"
    twice = statuses([sig("subject_1", "Lê Dạy Toán", "1"), sig("subject_2", "Lê Dạy Toán", "1")])
    assert twice["signers.distinct"][0] == "failed"


CHAIN = expand(["subject", "homeroom", "principal", "seal"], 3)


@pytest.mark.parametrize("done, ok", [
    ([], True),
    (["subject_2"], True),
    (["subject_3", "subject_1"], True),
    (["subject_3", "subject_1", "subject_2", "homeroom"], True),
    (["subject_3", "subject_1", "subject_2", "homeroom", "principal", "seal"], True),
    (["subject_1", "subject_1"], False),
    (["homeroom"], False),
    (["subject_1", "homeroom"], False),
    (["subject_1", "subject_2", "subject_3", "principal"], False),
    (["subject_4"], False),
], ids=["none", "one-any", "two-any-order", "all-then-homeroom", "complete", "twice", "homeroom-first",
        "homeroom-too-early", "principal-skips-homeroom", "unknown-slot"])
def test_chain_order(done, ok):
    assert same_chain(done, CHAIN) is ok


def test_primary_chain_is_unchanged():
    roles = expand(["homeroom", "principal", "seal"], 0)
    assert roles == ["homeroom", "principal", "seal"]
    assert same_chain(["homeroom", "principal"], roles) and not same_chain(["principal"], roles)
