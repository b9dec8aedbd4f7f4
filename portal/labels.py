"""The Vietnamese words shown for codes kept in the database: evaluation fields, qualities, audit events,
subject headers. Codes stay English (or ministry codes) in storage; people read these."""
from portal.grading import tt27

FIELD_LABELS = {"level": "Mức đạt được", "score": "Điểm KTĐK", "comment": "Nhận xét",
                # secondary year lines (services/evaluation/secondary/remarks.py)
                "homeroom_comment": "Nhận xét của giáo viên chủ nhiệm", "certificates": "Chứng chỉ",
                "competitions": "Kết quả tham gia các cuộc thi"}

# Audit events by their code; a new code without a label shows its group's label (never the bare code).
AUDIT_ACTIONS = {
    "login.ok": "Đăng nhập",
    "login.failed": "Đăng nhập thất bại",
    "login.locked": "Tạm khóa đăng nhập",
    "logout": "Đăng xuất",
    "account.created": "Tạo tài khoản",
    "account.roles_changed": "Đổi vai trò tài khoản",
    "account.password_changed": "Đổi mật khẩu",
    "account.password_reset": "Cấp lại mật khẩu",
    "evaluation.changed": "Sửa đánh giá",
    "evaluation.filled": "Điền nhanh mức đạt được",
    "evaluation.fill_undone": "Hoàn tác điền nhanh",
    "evaluation.imported": "Nhập đánh giá từ Excel",
    "evaluation.change_requested": "Đề nghị sửa đánh giá",
    "evaluation.change_approved": "Duyệt đề nghị sửa đánh giá",
    "evaluation.change_rejected": "Từ chối đề nghị sửa đánh giá",
    "evaluation.locked": "Khóa sổ",
    "evaluation.unlocked": "Mở khóa sổ",
    "evaluation.finalized": "Chốt kết quả cuối năm",
    "evaluation.promotion_decided": "Quyết định lên lớp / ở lại lớp",
    "comment_bank.saved": "Lưu nhận xét mẫu",
    "record.signed": "Ký số học bạ",
    "record.issued": "Phát hành học bạ",
    "record.downloaded": "Tải học bạ",
    "record.exported": "Xuất học bạ đã phát hành",
    "record.verified": "Xác thực học bạ",
    "record.correction_requested": "Đề nghị đính chính học bạ",
    "record.correction_approved": "Duyệt đính chính học bạ",
    "record.correction_rejected": "Từ chối đính chính học bạ",
    "record.correction_opened": "Mở phiên bản đính chính",
    "record.transfer_exported": "Xuất hồ sơ chuyển trường",
    "record.transfer_imported": "Tiếp nhận học sinh chuyển đến",
    "signing.batch_started": "Bắt đầu ký đồng loạt",
    "certificate.installed": "Cài chứng thư số",
    "parent_code.issued": "Cấp mã tra cứu cho phụ huynh",
    "parent_code.revoked": "Thu hồi mã tra cứu phụ huynh",
    "parent_code.failed": "Nhập sai mã tra cứu phụ huynh",
    "package.built": "Đóng gói dữ liệu",
    "package.sent": "Gửi gói dữ liệu",
    "package.accepted": "Gói dữ liệu được chấp nhận",
    "package.rejected": "Gói dữ liệu bị từ chối",
    "package.downloaded": "Tải gói dữ liệu",
    "school.updated": "Cập nhật thông tin trường",
    "year.created": "Tạo năm học",
    "calendar.changed": "Đổi lịch năm học",
    "class.created": "Tạo lớp",
    "class.updated": "Sửa lớp",
    "class.deleted": "Xóa lớp",
    "assignment.created": "Phân công giảng dạy",
    "assignment.deleted": "Bỏ phân công giảng dạy",
    "subject.updated": "Cập nhật môn học",
    "pupil.created": "Thêm học sinh",
    "pupil.updated": "Sửa thông tin học sinh",
    "pupil.imported": "Nhập danh sách học sinh",
    "pupil.electives_changed": "Đổi môn lựa chọn của học sinh",
    "staff.created": "Thêm cán bộ",
    "staff.updated": "Sửa thông tin cán bộ",
    "staff.imported": "Nhập danh sách cán bộ",
    "export.list": "Xuất danh sách",
    "export.summary": "Xuất bảng tổng hợp",
    "backup.created": "Sao lưu dữ liệu",
    "backup.restored": "Khôi phục dữ liệu",
}
AUDIT_GROUPS = {
    "login": "Đăng nhập", "logout": "Đăng xuất", "account": "Tài khoản", "evaluation": "Đánh giá",
    "comment_bank": "Ngân hàng nhận xét", "record": "Học bạ", "signing": "Ký số", "certificate": "Chứng thư số",
    "parent_code": "Mã phụ huynh", "package": "Gói dữ liệu", "school": "Thông tin trường", "year": "Năm học",
    "calendar": "Lịch năm học", "class": "Lớp học", "assignment": "Phân công", "subject": "Môn học",
    "pupil": "Học sinh", "staff": "Cán bộ", "export": "Xuất dữ liệu", "backup": "Sao lưu", "session": "Phiên làm việc",
    "security": "Bảo mật", "audit": "Nhật ký",
}


JOB_STATUSES = {"queued": "đang chờ", "running": "đang ký", "finished": "hoàn tất",
                "interrupted": "bị gián đoạn: nhập lại mật khẩu chứng thư số để ký tiếp"}


def job_status(code: str) -> str:
    return JOB_STATUSES.get(code, code)


def audit_action(code: str) -> str:
    if code in AUDIT_ACTIONS:
        return AUDIT_ACTIONS[code]
    group = code.split(".")[0]
    return AUDIT_GROUPS.get(group, "Sự kiện khác")


def audit_group(prefix: str) -> str:
    return AUDIT_GROUPS.get(prefix, "Sự kiện khác")


def field_label(field: str) -> str:
    return FIELD_LABELS.get(field, field)


def quality_label(code: str) -> str:
    """A quality, competency or group code as its Vietnamese name."""
    if code in tt27.QUALITY_GROUPS:
        return tt27.QUALITY_GROUPS[code][0]
    return tt27.ALL_QUALITIES.get(code, code)


def subject_short(name: str) -> str:
    """A column header for a subject: its name when short, else its Vietnamese initials
    ("Hoạt động trải nghiệm" → "HĐTN", "Lịch sử và Địa lí" → "LS&ĐL", "Ngoại ngữ 1" → "NN1")."""
    name = " ".join(name.split())
    if len(name) <= 9:
        return name
    out = []
    for word in name.split(" "):
        if word.lower() == "và":
            out.append("&")
        elif word.isdigit():
            out.append(word)
        else:
            out.append(word[0].upper())
    return "".join(out)
