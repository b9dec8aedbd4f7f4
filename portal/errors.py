"""Error pages in Vietnamese; no stack trace ever reaches a user."""
import logging

from flask import render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.services import Forbidden

log = logging.getLogger(__name__)

MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    403: "Bạn không có quyền thực hiện thao tác này.",
    404: "Không tìm thấy trang hoặc dữ liệu được yêu cầu.",
    405: "Phương thức không được hỗ trợ.",
    413: "Tệp tải lên quá lớn. Vui lòng chọn tệp nhỏ hơn {limit} MB.",
    429: "Bạn đã thử quá nhiều lần. Vui lòng đợi vài phút rồi thử lại.",
    500: "Hệ thống gặp lỗi ngoài ý muốn. Dữ liệu của bạn chưa bị thay đổi; vui lòng thử lại.",
}


def error_page(status: int, message: str | None = None):
    from flask import current_app

    limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    text = message or MESSAGES.get(status, MESSAGES[500]).format(limit=limit)
    return render_template("error.html", status=status, message=text), status


def init_app(app):
    @app.errorhandler(CSRFError)
    def _csrf(err):
        return error_page(400, "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang và thử lại.")

    @app.errorhandler(Forbidden)
    def _forbidden(err):
        # services/accounts/permissions.py refused: the same 403 page as abort(403)
        return error_page(403)

    @app.errorhandler(HTTPException)
    def _http(err):
        return error_page(err.code or 500, getattr(err, "vi_message", None))

    @app.errorhandler(OverflowError)
    def _overflow(err):
        # An id too large for SQLite's 64-bit integers names no row. Routes bound their ids; this is the
        # net for one that slipped through (a form field, a query argument).
        log.warning("integer too large for the database: %s", err)
        return error_page(404)

    @app.errorhandler(Exception)
    def _unexpected(err):
        log.exception("unhandled error")
        return error_page(500)
