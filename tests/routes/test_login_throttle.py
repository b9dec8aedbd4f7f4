"""Login throttling: waits that grow instead of a lock on the right password, limits per (account, address)
and per address that a school's shared NAT address cannot trip, and counting that holds under parallel
attempts."""
import datetime as dt
import threading

import pytest

from portal.db import db
from portal.models import AuditEntry, LoginAttempt
from portal.models.base import utcnow
from portal.services import ServiceError
from portal.services.accounts import users
from portal.services.accounts.login_throttle import Failures, Policy, Throttled, backoff, wait_seconds
from tests import factories
from tests.conftest import Browser

NOW = dt.datetime(2026, 11, 23, 8, 0, 0)
POLICY = Policy(window=3600, free=5, max_wait_account=60, max_wait_pair=900, max_failures_pair=20,
                free_ip=100, max_wait_ip=30, max_failures_ip=500)


def ago(seconds):
    return NOW - dt.timedelta(seconds=seconds)


@pytest.mark.parametrize("failures, expected", [(0, 0), (4, 0), (5, 1), (6, 2), (8, 8), (10, 32), (11, 60), (40, 60)],
                         ids=lambda v: str(v))
def test_backoff_doubles_after_the_free_failures_up_to_the_cap(failures, expected):
    assert backoff(failures, free=5, cap=60) == expected


@pytest.mark.parametrize("account, pair, pair_all, ip, expected", [
    (Failures(), Failures(), Failures(), Failures(), (0, "")),
    (Failures(4, NOW), Failures(4, NOW), Failures(4, NOW, ago(60)), Failures(4, NOW), (0, "")),
    (Failures(5, NOW), Failures(1, NOW), Failures(1, NOW, NOW), Failures(5, NOW), (1, "account")),
    (Failures(8, ago(3)), Failures(0), Failures(0), Failures(8, ago(3)), (5, "account")),
    (Failures(8, ago(10)), Failures(0), Failures(0), Failures(8, ago(10)), (0, "")),
    (Failures(30, NOW), Failures(0), Failures(0), Failures(0), (60, "account")),
    (Failures(15, NOW), Failures(15, NOW), Failures(15, NOW, ago(900)), Failures(15, NOW), (900, "pair")),
    (Failures(0), Failures(0), Failures(20, ago(600), ago(600)), Failures(20, ago(600)), (3000, "pair_limit")),
    (Failures(1, NOW), Failures(1, NOW), Failures(1, NOW, NOW), Failures(99, NOW), (0, "")),
    (Failures(1, NOW), Failures(1, NOW), Failures(1, NOW, NOW), Failures(100, NOW), (1, "ip")),
    (Failures(1, NOW), Failures(1, NOW), Failures(1, NOW, NOW), Failures(120, NOW), (30, "ip")),
    (Failures(0), Failures(0), Failures(0), Failures(500, ago(60), ago(3540)), (60, "ip_limit")),
], ids=["nothing", "below-free", "account-first-wait", "account-partly-waited", "account-waited-out",
        "account-cap-60s", "pair-cap-15min", "pair-hard-limit", "nat-99", "nat-100", "nat-cap-30s", "ip-ceiling"])
def test_wait_truth_table(account, pair, pair_all, ip, expected):
    assert wait_seconds(NOW, POLICY, account=account, pair=pair, pair_all=pair_all, ip=ip) == expected


# --- through the login page ---------------------------------------------------------------------------

@pytest.fixture
def teacher(app):
    with app.app_context(), db.connection_context():
        factories.make_school()
        factories.make_user("co.lan", {"homeroom": False}, password="Secret123")


def attempt(browser, password, ip="10.0.0.2", username="co.lan"):
    token = browser.token("/login")
    return browser.client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                               environ_base={"REMOTE_ADDR": ip})


def failures(n, username="co.lan", ip="203.0.113.5", seconds_ago=0):
    at = utcnow() - dt.timedelta(seconds=seconds_ago)
    LoginAttempt.insert_many([{"username": username, "ip": ip, "at": at, "succeeded": False}] * n).execute()


def backdate(seconds):
    """As if `seconds` had passed: every recorded attempt moves back in time."""
    with db.connection_context():
        for row in LoginAttempt.select():
            LoginAttempt.update(at=row.at - dt.timedelta(seconds=seconds)).where(LoginAttempt.id == row.id).execute()


def test_the_owner_waits_then_gets_in_no_lock(app, browser, teacher):
    for _ in range(5):
        assert attempt(browser, "sai-roi").status_code == 422
    resp = attempt(browser, "Secret123")  # within a second of the fifth failure
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "1"
    assert "Vui lòng đợi 1 giây rồi đăng nhập lại." in resp.get_data(as_text=True)
    backdate(2)
    assert attempt(browser, "Secret123").status_code == 303
    with db.connection_context():
        assert AuditEntry.select().where(AuditEntry.action == "login.failed").count() == 5


def test_guessing_from_one_address_delays_the_owner_elsewhere_at_most_a_minute(app, browser, teacher):
    with app.app_context(), db.connection_context():
        failures(15, ip="203.0.113.5")
    guesser = attempt(browser, "doan-mo", ip="203.0.113.5")
    assert guesser.status_code == 429 and guesser.headers["Retry-After"] == "900"
    assert "15 phút" in guesser.get_data(as_text=True)
    owner = attempt(browser, "Secret123", ip="10.0.0.2")
    assert owner.status_code == 429 and int(owner.headers["Retry-After"]) <= 60
    backdate(61)
    assert attempt(browser, "Secret123", ip="10.0.0.2").status_code == 303
    other_browser = Browser(app.test_client())
    assert attempt(other_browser, "doan-mo", ip="203.0.113.5").status_code == 429  # the guesser still waits


def test_a_school_behind_one_nat_address_is_not_locked_out(app, browser, teacher):
    """Sixty mistyped passwords from 30 colleagues behind the school's one address: everyone still logs in."""
    with app.app_context(), db.connection_context():
        for k in range(30):
            failures(2, username=f"gv{k}", ip="10.0.0.1")
    assert attempt(browser, "Secret123", ip="10.0.0.1").status_code == 303


def test_bulk_guessing_from_one_address_hits_the_hard_ceiling(app, browser, teacher):
    with app.app_context(), db.connection_context():
        for k in range(50):
            failures(10, username=f"nan-nhan{k}", ip="198.51.100.7", seconds_ago=1800)
    resp = attempt(browser, "Secret123", ip="198.51.100.7")
    assert resp.status_code == 429
    assert "quá nhiều lần đăng nhập sai từ địa chỉ của bạn" in resp.get_data(as_text=True)
    assert "30 phút" in resp.get_data(as_text=True)
    assert attempt(browser, "Secret123", ip="10.0.0.2").status_code == 303  # nobody else is affected


def test_hard_limit_per_account_and_address_holds_after_the_waits_and_spares_other_addresses(app, browser, teacher):
    with app.app_context(), db.connection_context():
        failures(20, ip="203.0.113.5", seconds_ago=1800)
    resp = attempt(browser, "Secret123", ip="203.0.113.5")
    assert resp.status_code == 429 and "từ địa chỉ của bạn" in resp.get_data(as_text=True)
    assert attempt(browser, "Secret123", ip="10.0.0.2").status_code == 303


def test_parallel_wrong_attempts_are_counted_one_after_another(app, teacher, monkeypatch):
    """25 attempts at once against a limit of 5 per (account, address): exactly 5 passwords checked."""
    app.config["LOGIN_MAX_FAILURES_PER_PAIR"] = 5
    checked, lock = [], threading.Lock()
    real_check = users.check_password

    def counting_check(stored, password):
        with lock:
            checked.append(password)
        return real_check(stored, password)

    monkeypatch.setattr(users, "check_password", counting_check)
    outcomes, start = [], threading.Barrier(25)

    def one(i):
        with app.app_context(), db.connection_context():
            start.wait()
            try:
                users.authenticate("co.lan", f"sai-{i}", "203.0.113.9")
            except Throttled:
                outcomes.append("waited")
            except ServiceError:
                outcomes.append("wrong")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(25)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(checked) == 5
    assert sorted(outcomes) == ["waited"] * 20 + ["wrong"] * 5
    with app.app_context(), db.connection_context():
        assert LoginAttempt.select().count() == 5
