"""Password hashing (Argon2id) and the password policy."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters

MIN_LENGTH = 8
COMMON = {"12345678", "123456789", "password", "matkhau123", "demo1234", "11111111", "abc12345"}


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def policy_error(password: str, username: str = "") -> str | None:
    """Why a new password is not acceptable, in Vietnamese; None when it is."""
    if len(password) < MIN_LENGTH:
        return f"Mật khẩu phải có ít nhất {MIN_LENGTH} ký tự."
    if len(password) > 128:
        return "Mật khẩu không được dài quá 128 ký tự."
    if password.lower() in COMMON or (username and username.lower() in password.lower()):
        return "Mật khẩu quá dễ đoán. Vui lòng chọn mật khẩu khác."
    if password.isdigit() or password.isalpha():
        return "Mật khẩu cần có cả chữ và số (hoặc ký tự đặc biệt)."
    return None
