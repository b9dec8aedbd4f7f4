"""Putting a portal into service: the public address, settings kept in instance/config.py, the first real
school and its administrator (the production counterpart of the demo school).

instance/config.py is the school's own file (it holds SECRET_KEY): a setting is changed by rewriting only
the lines of its assignment, so comments and every other line stay as the IT teacher left them.
"""
import ast
import ipaddress
import os
import re
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from portal.db import db, write_tx
from portal.models import School, Staff
from portal.services import ServiceError
from portal.services.system import audit

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
URL_EXAMPLE = "https://hocba.truong.edu.vn"


def normalise_public_url(raw: str) -> str:
    """`http(s)://host[:port]` as printed in every record's QR code, lower-case, no trailing slash.

    Anything else (a path, a query, a user name, a missing scheme) is refused with the reason in Vietnamese:
    the address is printed on signed records and cannot be corrected on them afterwards."""
    text = (raw or "").strip()
    if not text:
        raise ServiceError(f"Vui lòng nhập địa chỉ công khai của cổng, ví dụ {URL_EXAMPLE}.")
    if any(c.isspace() for c in text):
        raise ServiceError("Địa chỉ công khai không được chứa khoảng trắng.")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ServiceError(f"Cổng (port) trong địa chỉ {text} không hợp lệ: phải là số từ 1 đến 65535.") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.netloc:
        raise ServiceError(f"Địa chỉ phải bắt đầu bằng https:// (hoặc http://), ví dụ {URL_EXAMPLE}.")
    if parts.username is not None or parts.password is not None:
        raise ServiceError("Địa chỉ công khai không được chứa tên đăng nhập hay mật khẩu.")
    if parts.path not in ("", "/") or parts.query or parts.fragment or text.endswith(("?", "#")):
        raise ServiceError("Địa chỉ công khai chỉ gồm giao thức, tên máy và cổng (nếu có), không có đường dẫn: "
                           f"ví dụ {URL_EXAMPLE}.")
    if port == 0:
        raise ServiceError(f"Cổng (port) trong địa chỉ {text} không hợp lệ: phải là số từ 1 đến 65535.")
    host = _host(parts.hostname or "")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        netloc += f":{port}"
    return f"{scheme}://{netloc}"


def _host(host: str) -> str:
    """A DNS name (Vietnamese names become their ASCII form), an IPv4 or an IPv6 address."""
    host = host.strip().rstrip(".").lower()
    if not host:
        raise ServiceError("Địa chỉ công khai thiếu tên máy chủ.")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if re.fullmatch(r"[0-9.]+", host):
        raise ServiceError(f"Địa chỉ IP {host} không hợp lệ.")
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise ServiceError(f"Tên máy chủ {host} không hợp lệ.") from None
    if len(ascii_host) > 253 or not all(_LABEL.match(label) for label in ascii_host.split(".")):
        raise ServiceError(f"Tên máy chủ {host} không hợp lệ: chỉ gồm chữ, số, dấu gạch ngang và dấu chấm.")
    return ascii_host


def is_loopback_url(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_instance_settings(config_file: Path) -> dict:
    """The settings assigned in instance/config.py (literal values only; the file is not executed)."""
    tree = _parse(config_file)
    values = {}
    for node in tree.body if tree else []:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                values[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                values[node.targets[0].id] = None  # set, but computed: present all the same
    return values


def _parse(config_file: Path):
    if not config_file.exists():
        return None
    try:
        return ast.parse(config_file.read_text(encoding="utf-8"), filename=str(config_file))
    except SyntaxError as err:
        raise ServiceError(f"Tệp {config_file} có lỗi cú pháp ở dòng {err.lineno}; sửa tệp rồi chạy lại.") from None


def write_instance_setting(config_file: Path, name: str, value) -> None:
    """Set NAME = value in instance/config.py: its assignment lines are replaced (or one line appended),
    every other line is kept; written atomically, readable by the owner only (it holds SECRET_KEY)."""
    if not re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
        raise ValueError(name)
    tree = _parse(config_file)
    lines = config_file.read_text(encoding="utf-8").splitlines() if tree else []
    spans = [(node.lineno, node.end_lineno) for node in (tree.body if tree else [])
             if isinstance(node, (ast.Assign, ast.AnnAssign))
             and any(isinstance(t, ast.Name) and t.id == name
                     for t in (node.targets if isinstance(node, ast.Assign) else [node.target]))]
    line = f"{name} = {value!r}"
    for start, end in reversed(spans[1:]):
        del lines[start - 1:end]
    if spans:
        start, end = spans[0]
        lines[start - 1:end] = [line]
    else:
        lines.append(line)
    config_file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=config_file.parent, prefix=".config-", suffix=".py")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, config_file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def is_installed() -> bool:
    """Has a school been set up here (False on a database whose tables are not created yet)?"""
    with db.connection_context():
        return School.table_exists() and School.select().exists()


def install_school(name: str, code: str, level: str, admin_username: str, admin_full_name: str) -> tuple:
    """A real school's first start: the school, its curriculum and current year, and one administrator
    who must change the printed temporary password at first login. Returns (school, user, password)."""
    from portal.services.accounts.users import create_user
    from portal.services.school.years import setup_school

    name, code = " ".join((name or "").split()), (code or "").strip()
    admin_username = (admin_username or "").strip().lower()
    if not name or not code:
        raise ServiceError("Cần tên trường và mã trường.")
    if level not in ("TH", "THCS", "THPT"):
        raise ServiceError("Cấp học phải là TH, THCS hoặc THPT.")
    if not re.fullmatch(r"[a-z0-9._-]{3,40}", admin_username):
        raise ServiceError("Tên đăng nhập của quản trị viên: 3–40 ký tự chữ thường không dấu, số, dấu chấm, gạch.")
    with write_tx():
        school = setup_school(name, code, level=level)
        staff = Staff.create(code="CB001", full_name=" ".join((admin_full_name or "Quản trị hệ thống").split()),
                             title="Cán bộ phụ trách công nghệ thông tin")
        user, password = create_user(None, admin_username, staff, {"admin": False})
        audit.record("school.installed", school, user=None, summary=f"Thiết lập trường {name} ({code})", username="cli",
                     level=level, admin=admin_username)
    return school, user, password
