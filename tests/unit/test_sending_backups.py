"""Sending packages (retries, idempotency, status) to a local receiver; daily backups with retention."""
import datetime as dt

import pytest

from portal.db import db
from portal.models import PackageSubmission, SchoolClass
from portal.services import ServiceError
from portal.services.exchange import sending
from portal.services.exchange.backup import prune, scheduled_backup
from tests.package_receiver import Receiver


@pytest.fixture
def receiver(demo_app):
    r = Receiver(fail_first=2)
    demo_app.config.update(PACKAGE_ENDPOINT=r.url, PACKAGE_TOKEN="bi-mat")
    yield r
    r.close()


def package_bytes(demo_app):
    from tests.routes.test_parents import issue_and_sign
    from portal.services.exchange.packaging import build, seal_key
    from tests.signing_helpers import user
    issue_and_sign(demo_app)
    with demo_app.app_context(), db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "1A")
        return klass, build(klass, 1, *seal_key(user("vanthu"), "demo1234"))


def test_send_with_retries_idempotency_and_status(demo_app, receiver):
    klass, data = package_bytes(demo_app)
    with demo_app.app_context(), db.connection_context():
        sub = sending.prepare(klass, 1, data)
        assert sending.prepare(klass, 1, data).id == sub.id  # same package, same submission
        sub = sending.send(sub, sleep=lambda s: None)
        assert sub.status == "sent" and sub.attempts == 3  # two 503s, then accepted for processing
        again = sending.send(PackageSubmission.get_by_id(sub.id), sleep=lambda s: None)
        assert again.remote_id == sub.remote_id and len(receiver.packages) == 1  # no duplicate
        assert sending.refresh(again).status == "accepted"


def test_wrong_token_is_rejected_and_no_endpoint_means_download(demo_app, receiver):
    klass, data = package_bytes(demo_app)
    demo_app.config["PACKAGE_TOKEN"] = "sai"
    receiver.fail_first = 0
    with demo_app.app_context(), db.connection_context():
        sub = sending.send(sending.prepare(klass, 1, data), sleep=lambda s: None)
        assert sub.status == "rejected" and "401" in sub.reason
        demo_app.config["PACKAGE_ENDPOINT"] = ""
        with pytest.raises(ServiceError, match="tải tệp ZIP"):
            sending.send(sub)


def test_admin_sees_submissions_and_downloads_the_zip(demo_app, demo_browser, receiver):
    klass, data = package_bytes(demo_app)
    with demo_app.app_context(), db.connection_context():
        sub = sending.prepare(klass, 1, data)
    demo_browser.login("admin")
    page = demo_browser.get("/quan-tri/").get_data(as_text=True)
    assert "Đã đóng gói" in page and "Chưa có bản sao lưu nào trong 2 ngày qua" in page
    resp = demo_browser.get(f"/quan-tri/goi/{sub.id}.zip")
    assert resp.status_code == 200 and resp.data == data


def test_daily_backup_and_retention(demo_app, tmp_path, demo_browser):
    demo_app.config["BACKUP_DIR"] = str(tmp_path / "backups")
    with demo_app.app_context(), db.connection_context():
        path = scheduled_backup()
    assert path.endswith(".backup")
    demo_browser.login("admin")
    assert "Chưa có bản sao lưu nào" not in demo_browser.get("/quan-tri/").get_data(as_text=True)
    folder = tmp_path / "old"
    folder.mkdir()
    start = dt.datetime(2026, 1, 1, 2, 0)
    for i in range(60):  # two months of daily backups, two a day
        for hour in (2, 14):
            (folder / f"hocba-{start + dt.timedelta(days=i, hours=hour - 2):%Y%m%d-%H%M%S}.backup").write_bytes(b"x")
    prune(folder, keep_daily=7, keep_weekly=8)
    kept = sorted(f.stem for f in folder.iterdir())
    assert len(kept) <= 7 + 8 and kept[-1] == f"hocba-{start + dt.timedelta(days=59, hours=12):%Y%m%d-%H%M%S}"
    days = {k[6:14] for k in kept}
    assert len(days) == len(kept)  # never two of the same day
