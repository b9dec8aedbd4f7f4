"""Accounts: login with throttling, logout, password changes, creating accounts and roles."""
import secrets

from portal.db import write_tx
from portal.models import ROLES, LoginAttempt, Staff, User, UserRole
from portal.models.base import utcnow
from portal.services import ServiceError
from portal.services.accounts import login_throttle
from portal.services.accounts.passwords import check_password, hash_password, needs_rehash, policy_error
from portal.services.appconfig import app_config
from portal.services.system import audit

# A hash to verify against when the username does not exist, so timing does not reveal which do.
_DUMMY_HASH = None

BAD_LOGIN = "Tên đăng nhập hoặc mật khẩu không đúng."


def authenticate(username: str, password: str, ip: str) -> User:
    """Return the user for these credentials or raise ServiceError (login_throttle.Throttled when the
    attempt must wait); every evaluated attempt is recorded."""
    global _DUMMY_HASH
    username = (username or "").strip().lower()[:150]
    with write_tx():  # decide and reserve together: parallel attempts are counted one after another
        attempt = login_throttle.reserve(username, ip, login_throttle.Policy.from_config(app_config()))
    user = User.get_or_none(User.username == username)
    if user is None:
        _DUMMY_HASH = _DUMMY_HASH or hash_password(secrets.token_hex(8))
        check_password(_DUMMY_HASH, password)
        ok = False
    else:
        ok = user.is_active and check_password(user.password_hash, password)
    if not ok:
        audit.record("login.failed", user=None, username=username, summary="Đăng nhập thất bại")
        raise ServiceError(BAD_LOGIN)
    with write_tx():
        LoginAttempt.update(succeeded=True).where(LoginAttempt.id == attempt.id).execute()
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.last_login_at = utcnow()
        user.save()
        audit.record("login.ok", user=user, summary="Đăng nhập")
    return user


def _bump_session_version(user: User) -> None:
    """Every session cookie issued to this user so far stops working (call inside a write transaction)."""
    User.update(session_version=User.session_version + 1).where(User.id == user.id).execute()
    user.session_version = User.select(User.session_version).where(User.id == user.id).scalar()


def logout(user: User) -> None:
    """End this user's sessions: the cookie in hand, and any copy of it or of an older one."""
    with write_tx():
        _bump_session_version(user)
        audit.record("logout", user, user=user, summary="Đăng xuất")


def change_password(user: User, current: str, new: str, confirm: str) -> None:
    """Change the password; every other session of this user ends (the caller renews its own)."""
    if not check_password(user.password_hash, current):
        raise ServiceError("Mật khẩu hiện tại không đúng.", field="current")
    if new != confirm:
        raise ServiceError("Mật khẩu nhập lại không khớp.", field="confirm")
    if new == current:
        raise ServiceError("Mật khẩu mới phải khác mật khẩu hiện tại.", field="new")
    problem = policy_error(new, user.username)
    if problem:
        raise ServiceError(problem, field="new")
    with write_tx():
        user.password_hash = hash_password(new)
        user.must_change_password = False
        user.password_changed_at = utcnow()
        user.save()
        _bump_session_version(user)
        audit.record("account.password_changed", user, user=user, summary="Đổi mật khẩu")


def temporary_password() -> str:
    """A readable one-time password an administrator hands over; it must be changed at first login."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


def create_user(admin, username: str, staff: Staff | None, roles: dict[str, bool], password: str | None = None,
                must_change: bool = True, display_name: str = "") -> tuple[User, str]:
    """Create an account (`admin`: who creates it, None for the set-up and the demo); returns it with the
    initial password (generated when not given).

    `roles` maps a role code to its can_sign flag (only meaningful for vice_principal).
    """
    username = username.strip().lower()
    if User.select().where(User.username == username).exists():
        raise ServiceError("Tên đăng nhập đã được sử dụng.", field="username")
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ServiceError("Vai trò không hợp lệ: " + ", ".join(sorted(unknown)), field="roles")
    password = password or temporary_password()
    user = User.create(username=username, password_hash=hash_password(password), staff=staff,
                       must_change_password=must_change, display_name=display_name)
    for code, can_sign in roles.items():
        UserRole.create(user=user, role=code, can_sign=bool(can_sign and code == "vice_principal"))
    audit.record("account.created", user, user=admin, summary=f"Tạo tài khoản {username}", roles=sorted(roles))
    return user, password


def set_roles(admin, user: User, roles: dict[str, bool]) -> None:
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ServiceError("Vai trò không hợp lệ.", field="roles")
    UserRole.delete().where(UserRole.user == user).execute()
    for code, can_sign in roles.items():
        UserRole.create(user=user, role=code, can_sign=bool(can_sign and code == "vice_principal"))
    audit.record("account.roles_changed", user, user=admin, summary=f"Đổi vai trò của {user.username}", roles=sorted(roles))


def reset_password(admin, user: User) -> str:
    """Issue a new temporary password that must be changed at next login."""
    password = temporary_password()
    with write_tx():
        user.password_hash = hash_password(password)
        user.must_change_password = True
        user.save()
        _bump_session_version(user)  # whoever held a session with the old password is out
        audit.record("account.password_reset", user, user=admin, summary=f"Cấp lại mật khẩu cho {user.username}")
    return password
