"""Deployment checks (`flask --app portal doctor`, and the administrator's page later): each check returns a
Finding — ok, warning or problem — with what is wrong and what to do, in Vietnamese.

Reading only: nothing here writes to the database or the instance folder. The system probes (clock,
disk, network) are arguments so a test can stand in for a machine it cannot be.
"""
import datetime as dt
import os
import shutil
import stat
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from portal import db as database
from portal.models import BackupRun, Certificate, School
from portal.services.appconfig import app_config, instance_path
from portal.services.system.deployment import is_loopback_url, normalise_public_url

LABELS = {"ok": "ỔN", "warning": "CẢNH BÁO", "problem": "LỖI"}
BACKUP_MAX_AGE = dt.timedelta(days=2)
WORKER_MAX_SILENCE = dt.timedelta(minutes=10)
DISK_PROBLEM = (1 << 30, 0.05)  # less than 1 GiB or 5 % free
DISK_WARNING = (5 << 30, 0.10)
TSA_PROBE_TIMEOUT_S = 5
# The demo school's name and code (services/demo/primary.py): a deployment still holding it is not in service yet.
DEMO_SCHOOL = ("Trường Tiểu học Hoa Sen", "31001234")


@dataclass(frozen=True)
class Finding:
    code: str
    status: str  # ok | warning | problem
    label: str
    message: str

    @property
    def is_problem(self) -> bool:
        return self.status == "problem"


def ntp_synchronised() -> bool | None:
    """systemd's view of the clock: True/False, None when it cannot be asked (no systemd, a container)."""
    try:
        out = subprocess.run(["timedatectl", "show", "-p", "NTPSynchronized", "--value"], capture_output=True,
                             text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    answer = out.stdout.strip().lower()
    if out.returncode != 0 or answer not in ("yes", "no"):
        return None
    return answer == "yes"


def answers(url: str, timeout: float = TSA_PROBE_TIMEOUT_S) -> str | None:
    """None when the server answers HTTP at all (a TSA answers a GET with an error: it still answers);
    otherwise why not."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="GET"), timeout=timeout):
            return None
    except urllib.error.HTTPError:
        return None
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        return str(reason) or type(err).__name__


def run_checks(now: dt.datetime | None = None, clock: Callable[[], bool | None] = ntp_synchronised,
               disk_usage=shutil.disk_usage, probe: Callable[[str], str | None] = answers) -> list[Finding]:
    """Every check, in the order an IT teacher would fix them. Needs an app context and a connection."""
    now = now or dt.datetime.now()
    cfg = app_config()
    findings = [_public_url(cfg), _proxy(cfg), _secrets(cfg), _migrations()]
    schema_ok = findings[-1].status == "ok"
    findings += [_trust(cfg)]
    findings += [_seal(now), _demo()] if schema_ok else [
        Finding(code, "problem", label, "Chưa kiểm tra được: cơ sở dữ liệu chưa được nâng cấp.")
        for code, label in (("seal", "Dấu số của trường"), ("demo", "Dữ liệu"))]
    findings += [_tsa(cfg, probe), _clock(clock)]
    findings += [_backup(now), _backup_copy()] if schema_ok else [
        Finding("backup", "problem", "Sao lưu", "Chưa kiểm tra được: cơ sở dữ liệu chưa được nâng cấp.")]
    findings += [_backup_encryption(cfg), _worker(now, cfg), _disk(disk_usage)]
    if cfg.get("SERVER_CA_FILE"):
        findings.append(_server_ca(now))
    return findings


def _server_ca(now: dt.datetime) -> Finding:
    from portal.services import ServiceError
    from portal.services.system import server_ca
    label = "Chứng chỉ gốc cho điện thoại (/chung-chi-may-chu)"
    try:
        ca = server_ca.load()
    except ServiceError as err:
        return Finding("server_ca", "problem", label, err.message)
    if ca.not_after.replace(tzinfo=None) <= now:
        return Finding("server_ca", "problem", label, f"Chứng chỉ gốc {ca.name} đã hết hạn ngày {ca.not_after:%d/%m/%Y}.")
    return Finding("server_ca", "ok", label, f"{ca.name}, SHA-256 {ca.fingerprint}")


def _public_url(cfg) -> Finding:
    label = "Địa chỉ công khai"
    url = cfg.get("PUBLIC_BASE_URL", "")
    fix = "Đặt bằng: flask --app portal setup --public-url https://hocba.truong.edu.vn"
    try:
        normalise_public_url(url)
    except Exception as err:
        return Finding("public_url", "problem", label, f"PUBLIC_BASE_URL = {url!r} không hợp lệ: "
                                                       f"{getattr(err, 'message', err)} {fix}")
    if is_loopback_url(url):
        return Finding("public_url", "problem", label,
                       f"{url} là địa chỉ nội bộ của chính máy chủ: điện thoại của giáo viên không mở được và mã QR "
                       f"in trên học bạ sẽ không dẫn tới đâu. {fix}")
    if not url.startswith("https://"):
        return Finding("public_url", "problem", label,
                       f"{url} không dùng HTTPS: mật khẩu và dữ liệu học sinh đi qua mạng Wi-Fi không được mã hóa. "
                       f"Đặt Caddy phía trước (deploy/) và dùng địa chỉ https://. {fix}")
    return Finding("public_url", "ok", label, url)


def _proxy(cfg) -> Finding:
    label = "Proxy ngược (Caddy)"
    proxies = int(cfg.get("TRUSTED_PROXIES") or 0)
    if proxies < 1 and str(cfg.get("PUBLIC_BASE_URL", "")).startswith("https://"):
        return Finding("proxy", "warning", label,
                       "TRUSTED_PROXIES = 0: sau Caddy, mọi yêu cầu có vẻ đến từ 127.0.0.1 nên giới hạn đăng nhập "
                       "theo địa chỉ áp dụng chung cho cả trường. Đặt: flask --app portal setup --trusted-proxies 1")
    if proxies < 1:
        return Finding("proxy", "ok", label, "Không dùng proxy ngược.")
    return Finding("proxy", "ok", label, f"Tin tiêu đề X-Forwarded-* của {proxies} proxy phía trước.")


def _secrets(cfg) -> Finding:
    label = "Khóa bí mật"
    if not cfg.get("SECRET_KEY"):
        return Finding("secrets", "problem", label, "Chưa có SECRET_KEY: phiên đăng nhập không được bảo vệ.")
    config_file = Path(instance_path()) / "config.py"
    try:
        mode = config_file.stat().st_mode
    except OSError:
        return Finding("secrets", "ok", label, "SECRET_KEY được đặt qua biến môi trường.")
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return Finding("secrets", "problem", label,
                       f"Tệp {config_file} chứa khóa bí mật nhưng người dùng khác trên máy đọc được. "
                       f"Sửa: chmod 600 {config_file}")
    return Finding("secrets", "ok", label, f"{config_file} chỉ chủ sở hữu đọc được.")


def _migrations() -> Finding:
    label = "Phiên bản cơ sở dữ liệu"
    pending, unknown = database.migration_names()
    if unknown:
        return Finding("migrations", "problem", label,
                       f"Cơ sở dữ liệu có bước nâng cấp mà phiên bản này không biết ({', '.join(unknown)}): "
                       "đang chạy mã cũ hơn dữ liệu. Cài lại phiên bản mới hơn.")
    if pending:
        return Finding("migrations", "problem", label,
                       f"Còn {len(pending)} bước nâng cấp chưa áp dụng ({', '.join(pending)}). Chạy: make upgrade")
    return Finding("migrations", "ok", label, "Đã ở phiên bản mới nhất.")


def _trust(cfg) -> Finding:
    label = "Chứng thư gốc tin cậy"
    from portal.signing.certs import trust_roots
    folder = Path(cfg["TRUST_DIR"])
    fix = (f"Chép chứng thư gốc của Trung tâm Chứng thực điện tử quốc gia và của Ban Cơ yếu Chính phủ "
           f"(tệp .pem hoặc .crt) vào {folder}.")
    try:
        roots = trust_roots(folder) if folder.is_dir() else []
    except (ValueError, OSError):
        return Finding("trust", "problem", label, f"Có tệp trong {folder} không đọc được như chứng thư PEM. {fix}")
    if not roots:
        return Finding("trust", "problem", label,
                       f"Thư mục {folder} chưa có chứng thư gốc nào: không kiểm tra được chữ ký số, không ký và "
                       f"không xác thực được học bạ. {fix}")
    return Finding("trust", "ok", label, f"{len(roots)} chứng thư gốc trong {folder}.")


def _seal(now: dt.datetime) -> Finding:
    label = "Dấu số của trường"
    school = School.current()
    if school is None:
        return Finding("seal", "problem", label, "Chưa thiết lập trường: chạy flask --app portal setup --school-name …")
    if not school.seal_cert_sha256:
        return Finding("seal", "problem", label,
                       "Chưa đăng ký chứng thư số của tổ chức làm dấu số của trường: chưa phát hành được học bạ nào. "
                       "Văn thư cài chứng thư số của tổ chức, rồi quản trị viên đăng ký nó làm dấu số.")
    cert = (Certificate.select().where((Certificate.sha256 == school.seal_cert_sha256)
                                       & (Certificate.is_active == True))  # noqa: E712
            .order_by(Certificate.not_after.desc()).first())
    if cert is None:
        return Finding("seal", "problem", label,
                       "Chứng thư số đã đăng ký làm dấu số không còn được cài trong hệ thống: văn thư cần cài lại.")
    left = cert.not_after - now
    if left <= dt.timedelta(0):
        return Finding("seal", "problem", label, f"Chứng thư số của tổ chức đã hết hạn ngày {cert.not_after:%d/%m/%Y}.")
    if left <= dt.timedelta(days=app_config().get("CERT_EXPIRY_WARNING_DAYS", 30)):
        return Finding("seal", "warning", label,
                       f"Chứng thư số của tổ chức hết hạn ngày {cert.not_after:%d/%m/%Y} ({left.days} ngày nữa): gia hạn ngay.")
    return Finding("seal", "ok", label, f"{cert.subject}, hết hạn {cert.not_after:%d/%m/%Y}.")


def _demo() -> Finding:
    school = School.current()
    if school is not None and (school.name, school.code) == DEMO_SCHOOL:
        return Finding("demo", "warning", "Dữ liệu",
                       "Đây là trường mẫu (mật khẩu demo1234 ai cũng biết). Khi triển khai thật, dùng cơ sở dữ liệu "
                       "trống và flask --app portal setup --school-name ….")
    return Finding("demo", "ok", "Dữ liệu", school.name if school else "Chưa có trường.")


def _tsa(cfg, probe) -> Finding:
    label = "Dịch vụ cấp dấu thời gian (TSA)"
    url = cfg.get("TSA_URL", "")
    if not url:
        return Finding("tsa", "warning", label,
                       "Chưa đặt TSA_URL: học bạ được ký không kèm dấu thời gian, nên không kiểm chứng được lâu dài "
                       "sau khi chứng thư số của người ký hết hạn. Đặt TSA_URL của nhà cung cấp chứng thư số.")
    why = probe(url)
    if why is not None:
        return Finding("tsa", "problem", label, f"{url} không trả lời ({why}): việc ký sẽ thất bại ở bước dấu thời gian.")
    return Finding("tsa", "ok", label, f"{url} trả lời.")


def _clock(clock) -> Finding:
    label = "Đồng hồ máy chủ"
    synced = clock()
    if synced is None:
        return Finding("clock", "warning", label,
                       "Không hỏi được trạng thái đồng bộ đồng hồ (timedatectl): tự kiểm tra giờ máy chủ là giờ chuẩn.")
    if not synced:
        return Finding("clock", "problem", label,
                       "Đồng hồ chưa được đồng bộ qua mạng (NTP): thời điểm ký và dấu thời gian có thể sai. "
                       "Sửa: sudo timedatectl set-ntp true")
    return Finding("clock", "ok", label, "Đã đồng bộ (NTP).")


def _backup(now: dt.datetime) -> Finding:
    label = "Sao lưu"
    last = BackupRun.select().order_by(BackupRun.created_at.desc()).first()
    if last is None:
        return Finding("backup", "problem", label,
                       "Chưa có bản sao lưu nào. Tiến trình nền (hocba-worker) sao lưu mỗi đêm; kiểm tra nó đang chạy.")
    # scheduled_backup() records the machine's local time, which is what `now` is.
    age = now - last.created_at
    if age > BACKUP_MAX_AGE:
        return Finding("backup", "problem", label,
                       f"Bản sao lưu gần nhất đã cũ: {last.created_at:%d/%m/%Y %H:%M} ({age.days} ngày trước). "
                       "Kiểm tra tiến trình nền: journalctl -u hocba-worker")
    if not Path(last.path).exists():
        return Finding("backup", "problem", label, f"Tệp sao lưu gần nhất {last.path} không còn trên đĩa.")
    return Finding("backup", "ok", label, f"{last.created_at:%d/%m/%Y %H:%M}, {last.size // 1024} KB.")


def _backup_copy() -> Finding:
    from portal.services.exchange.backup import copy_warning
    label = "Bản sao ngoài máy"
    last = BackupRun.select().order_by(BackupRun.created_at.desc()).first()
    if last is None:  # `backup` already says there is none
        return Finding("backup_copy", "warning", label, "Chưa có bản sao lưu nào để chép ra ngoài máy.")
    warning = copy_warning(last)
    if warning:
        return Finding("backup_copy", "warning", label, warning.removeprefix("Cảnh báo: "))
    return Finding("backup_copy", "ok", label, f"Đã chép tới {last.copy_target} lúc {last.copied_at:%d/%m/%Y %H:%M}.")


def _backup_encryption(cfg) -> Finding:
    label = "Mã hóa bản sao lưu"
    if not cfg.get("BACKUP_PASSPHRASE"):
        return Finding("backup_encryption", "warning", label,
                       "BACKUP_PASSPHRASE chưa đặt: bản sao lưu chứa dữ liệu cá nhân của học sinh không được mã hóa. "
                       "Đặt một passphrase dài trong instance/config.py và cất một bản ở nơi an toàn.")
    return Finding("backup_encryption", "ok", label, "Bản sao lưu được mã hóa.")


def _worker(now: dt.datetime, cfg) -> Finding:
    from portal.services.exchange.scheduled import last_beat
    label = "Tiến trình nền"
    unit = "hocba-worker" if cfg.get("SEPARATE_WORKER") else "hocba-web"
    beat = last_beat()
    if beat is None:
        return Finding("worker", "problem", label,
                       f"Tiến trình nền chưa từng chạy: không có sao lưu hằng đêm. Khởi động: sudo systemctl enable --now {unit}")
    if now - beat > WORKER_MAX_SILENCE:
        return Finding("worker", "problem", label,
                       f"Tiến trình nền không chạy từ {beat:%d/%m/%Y %H:%M}. Xem: journalctl -u {unit}")
    return Finding("worker", "ok", label, f"Đang chạy (nhịp gần nhất {beat:%H:%M}).")


def _disk(disk_usage) -> Finding:
    label = "Dung lượng đĩa"
    folder = instance_path()
    usage = disk_usage(folder if os.path.isdir(folder) else os.path.dirname(app_config()["DATABASE"]))
    free_gb, share = usage.free / (1 << 30), usage.free / usage.total if usage.total else 0
    text = f"Còn trống {free_gb:.1f} GB ({share:.0%}) trên ổ chứa {folder}"
    if usage.free < DISK_PROBLEM[0] or share < DISK_PROBLEM[1]:
        return Finding("disk", "problem", label, f"{text}: sắp đầy, sao lưu và ký học bạ sẽ thất bại. Giải phóng dung lượng "
                                                 "hoặc chuyển bản sao lưu cũ sang nơi khác.")
    if usage.free < DISK_WARNING[0] or share < DISK_WARNING[1]:
        return Finding("disk", "warning", label, f"{text}: nên giải phóng dung lượng sớm.")
    return Finding("disk", "ok", label, text + ".")
