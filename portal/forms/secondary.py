"""Secondary (TT22) forms: the homeroom teacher's year lines of one pupil."""
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from portal.services.evaluation.entry import MAX_REASON
from portal.services.evaluation.secondary.remarks import FIELDS
from portal.text import clean_text


def _area(field: str, label: str, rows: int, **kw):
    limit = FIELDS[field][1]
    return TextAreaField(label, validators=[Length(max=limit, message=f"Tối đa {limit} ký tự.")],
                         filters=[lambda v: clean_text(v).strip() if v else ""],
                         render_kw={"rows": rows, "maxlength": limit, **kw})


class YearRemarkForm(FlaskForm):
    """One pupil's form on the class summary page; prefixed by the pupil (several on a page)."""

    homeroom_comment = _area("homeroom_comment", "Nhận xét của giáo viên chủ nhiệm", 3)
    certificates = _area("certificates", "Chứng chỉ (nếu có), mỗi dòng một chứng chỉ", 2)
    competitions = _area("competitions", "Kết quả tham gia các cuộc thi (nếu có), mỗi dòng một kết quả", 2)
    reason = TextAreaField("Lý do sửa đổi (bắt buộc sau khi khóa sổ Học kì II)",
                           validators=[Length(max=MAX_REASON, message=f"Tối đa {MAX_REASON} ký tự.")],
                           filters=[lambda v: clean_text(v).strip() if v else ""], render_kw={"rows": 2})

    def values(self) -> dict:
        return {f: getattr(self, f).data or "" for f in FIELDS}
