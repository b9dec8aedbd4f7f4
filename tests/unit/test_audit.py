"""The audit trail is hash-chained: an edited or deleted entry is found."""
from portal.db import db
from portal.models import AuditEntry
from portal.services import audit


def test_chain_detects_edit_and_delete(app):
    with app.test_request_context(), db.connection_context():
        for i in range(5):
            audit.record("test.event", summary=f"sự kiện {i}", n=i)
        assert audit.verify_chain() is None
        third = AuditEntry.select().order_by(AuditEntry.id)[2]
        AuditEntry.update(summary="đã sửa").where(AuditEntry.id == third.id).execute()
        assert audit.verify_chain().id == third.id
        AuditEntry.update(summary="sự kiện 2").where(AuditEntry.id == third.id).execute()
        assert audit.verify_chain() is None
        AuditEntry.delete().where(AuditEntry.id == third.id).execute()
        assert audit.verify_chain().id == third.id + 1
