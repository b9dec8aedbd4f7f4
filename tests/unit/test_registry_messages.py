"""Messages to the sector database: NEW on issuance, UPDATE with the raised version for a correction, CANCEL
for a revoked record; statuses 00/01/02 kept as received; retries, resend, the CLI and the admin page."""
from portal.db import db
from portal.models import RecordVersion, RegistryMessage
from portal.services.exchange import registry
from tests.package_receiver import Receiver
from tests.signing_helpers import first_records


def _statuses():
    a, b = first_records(n=2)
    RecordVersion.update(status="superseded").where(RecordVersion.id == a.id).execute()
    RecordVersion.create(pupil=a.pupil, school_class=a.school_class, version=2, code="TEST-CORR-01", status="issued")
    RecordVersion.update(status="revoked").where(RecordVersion.id == b.id).execute()


def test_issued_corrected_and_revoked_records_become_new_update_cancel(demo_app):
    recv = Receiver()
    try:
        demo_app.config.update(PACKAGE_ENDPOINT=recv.url, PACKAGE_TOKEN="bi-mat")
        with demo_app.app_context(), db.connection_context():
            _statuses()
            sent = registry.send_pending(sleep=lambda s: None)
            assert sorted((m.event, m.version) for m in sent) == [("CANCEL", 1), ("NEW", 1), ("UPDATE", 2)]
            assert all(m.state == "sent" and m.remote_status == "00" for m in sent)
            assert registry.send_pending(sleep=lambda s: None) == [], "nothing announced twice"
            new = next(m for m in sent if m.event == "NEW")
            recv.verdicts[new.record_ident] = "02"
            statuses = {m.event: registry.refresh(m).remote_status for m in RegistryMessage.select()}
            assert statuses == {"NEW": "02", "UPDATE": "01", "CANCEL": "01"}
            assert len(recv.messages) == 3 and {m["sukien"] for m in recv.messages.values()} == {"NEW", "UPDATE", "CANCEL"}
    finally:
        recv.close()


def test_unreachable_receiver_marks_failed_then_admin_resends(demo_app, demo_browser):
    recv = Receiver(fail_first=4)  # every try of the first send fails with 503
    try:
        demo_app.config.update(PACKAGE_ENDPOINT=recv.url, PACKAGE_TOKEN="bi-mat")
        with demo_app.app_context(), db.connection_context():
            _statuses()
            registry.collect()
            msg = RegistryMessage.select().first()
            registry.send(msg, sleep=lambda s: None)
            assert msg.state == "failed" and msg.attempts == 4 and "503" in msg.reason
        demo_browser.login("admin")
        page = demo_browser.get("/quan-tri/").get_data(as_text=True)
        assert "Gửi lỗi" in page and "Gửi lại" in page
        resp = demo_browser.post(f"/quan-tri/thong-diep/{msg.id}/gui-lai", form_page="/quan-tri/",
                                 follow_redirects=True)
        assert resp.status_code == 200
        with demo_app.app_context(), db.connection_context():
            assert RegistryMessage.get_by_id(msg.id).state == "sent"
    finally:
        recv.close()
