"""Login throttling: a wait that grows with recent failures instead of a lock that refuses the right
password to its owner, plus hard limits against bulk guessing.

Three scopes, each counting failures within LOGIN_WINDOW_SECONDS:
- the account, from any address — failures since its last success; the wait is capped low
  (LOGIN_MAX_WAIT_ACCOUNT), so someone guessing a teacher's password delays the teacher, never locks them out;
- the (account, address) pair — same growth with a high cap, and a hard limit (LOGIN_MAX_FAILURES_PER_PAIR):
  one address guessing one account is stopped without touching anyone else;
- the address, over every account — waits begin only after many failures (LOGIN_FREE_FAILURES_PER_IP) and
  a hard ceiling (LOGIN_MAX_FAILURES_PER_IP) stops bulk guessing, set high enough that a whole school behind
  one NAT address or proxy never reaches it by mistyping.

An attempt is reserved (written as a failure) before its password is checked, inside the same write
transaction as the decision, so parallel attempts are counted one after another: 25 at once against 5 free
failures get 5 evaluations, not 25. The success then marks its reservation as succeeded.
"""
import datetime as dt
import math
from dataclasses import dataclass

from peewee import fn

from portal.models import LoginAttempt
from portal.models.base import utcnow
from portal.services import ServiceError


@dataclass(frozen=True)
class Policy:
    window: int = 3600
    free: int = 5
    max_wait_account: int = 60
    max_wait_pair: int = 900
    max_failures_pair: int = 20
    free_ip: int = 100
    max_wait_ip: int = 30
    max_failures_ip: int = 500

    @classmethod
    def from_config(cls, cfg) -> "Policy":
        return cls(window=cfg["LOGIN_WINDOW_SECONDS"], free=cfg["LOGIN_FREE_FAILURES"],
                   max_wait_account=cfg["LOGIN_MAX_WAIT_ACCOUNT"], max_wait_pair=cfg["LOGIN_MAX_WAIT_PAIR"],
                   max_failures_pair=cfg["LOGIN_MAX_FAILURES_PER_PAIR"], free_ip=cfg["LOGIN_FREE_FAILURES_PER_IP"],
                   max_wait_ip=cfg["LOGIN_MAX_WAIT_IP"], max_failures_ip=cfg["LOGIN_MAX_FAILURES_PER_IP"])


@dataclass(frozen=True)
class Failures:
    count: int = 0
    last_at: dt.datetime | None = None
    oldest_at: dt.datetime | None = None


class Throttled(ServiceError):
    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def backoff(failures: int, free: int, cap: int) -> int:
    """Seconds to wait after the last of `failures`: none while fewer than `free`, then 1, 2, 4 … up to `cap`."""
    if failures < free:
        return 0
    return min(cap, 2 ** min(failures - free, 30))


def wait_seconds(now: dt.datetime, policy: Policy, account: Failures, pair: Failures, pair_all: Failures,
                 ip: Failures) -> tuple[int, str]:
    """(seconds to wait, which limit) for the next attempt; (0, "") when it may be evaluated now.

    `account` and `pair` count failures since the last success of that account / pair; `pair_all` and `ip`
    count every failure in the window (a success does not reset a hard limit)."""
    def until(moment, seconds):
        return (moment + dt.timedelta(seconds=seconds) - now).total_seconds() if moment else 0

    if pair_all.count >= policy.max_failures_pair:
        return math.ceil(until(pair_all.oldest_at, policy.window)), "pair_limit"
    if ip.count >= policy.max_failures_ip:
        return math.ceil(until(ip.oldest_at, policy.window)), "ip_limit"
    waits = [
        (until(account.last_at, backoff(account.count, policy.free, policy.max_wait_account)), "account"),
        (until(pair.last_at, backoff(pair.count, policy.free, policy.max_wait_pair)), "pair"),
        (until(ip.last_at, backoff(ip.count, policy.free_ip, policy.max_wait_ip)), "ip"),
    ]
    seconds, scope = max(waits)
    return (math.ceil(seconds), scope) if seconds > 0 else (0, "")


def message(seconds: int, scope: str) -> str:
    amount = f"{seconds} giây" if seconds < 90 else f"{math.ceil(seconds / 60)} phút"
    if scope == "pair_limit":
        return (f"Đăng nhập sai quá nhiều lần vào tài khoản này từ địa chỉ của bạn. Vui lòng thử lại sau {amount} "
                "hoặc nhờ quản trị viên cấp lại mật khẩu.")
    if scope == "ip_limit":
        return f"Có quá nhiều lần đăng nhập sai từ địa chỉ của bạn. Vui lòng thử lại sau {amount}."
    return f"Bạn đã nhập sai nhiều lần. Vui lòng đợi {amount} rồi đăng nhập lại."


def _failures(where, since, reset_on_success: bool) -> Failures:
    if reset_on_success:
        last_ok = (LoginAttempt.select(fn.MAX(LoginAttempt.at))
                   .where(where & (LoginAttempt.at >= since) & (LoginAttempt.succeeded == True)).scalar())  # noqa: E712
        since = max(since, last_ok) if last_ok else since
        op = (LoginAttempt.at > since) if last_ok else (LoginAttempt.at >= since)
    else:
        op = LoginAttempt.at >= since
    count, last_at, oldest_at = (LoginAttempt.select(fn.COUNT(LoginAttempt.id), fn.MAX(LoginAttempt.at),
                                                     fn.MIN(LoginAttempt.at))
                                 .where(where & op & (LoginAttempt.succeeded == False))  # noqa: E712
                                 .tuples().get())
    parse = LoginAttempt.at.python_value
    return Failures(count, parse(last_at), parse(oldest_at))


def reserve(username: str, ip: str, policy: Policy) -> LoginAttempt:
    """Decide and reserve in one go; call inside a write transaction. Raises Throttled with the wait."""
    now = utcnow()
    since = now - dt.timedelta(seconds=policy.window)
    account = LoginAttempt.username == username
    pair = account & (LoginAttempt.ip == ip)
    seconds, scope = wait_seconds(now, policy, account=_failures(account, since, True),
                                  pair=_failures(pair, since, True), pair_all=_failures(pair, since, False),
                                  ip=_failures(LoginAttempt.ip == ip, since, False))
    if seconds > 0:
        raise Throttled(message(seconds, scope), seconds)
    return LoginAttempt.create(username=username, ip=ip, at=now, succeeded=False)
