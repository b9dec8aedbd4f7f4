"""Administration forms."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from portal.models import ASSESSMENTS, GENDERS, LEVELS, ROLES, SUBJECT_KINDS
from portal.text import clean_line, clean_text

from . import REQUIRED, VNDateField, optional_date_in_past

GENDER_CHOICES = [(1, "Nam"), (2, "Nữ")]


def text(label, required=False, max_len=255, **kw):
    validators = [DataRequired(REQUIRED)] if required else [Optional()]
    validators.append(Length(max=max_len, message=f"Tối đa {max_len} ký tự."))
    # Cleaned before validation (portal/text.py): a zero-width space alone is an empty, hence missing, value.
    return StringField(label, validators=validators, filters=[clean_line], **kw)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SchoolForm(FlaskForm):
    name = text("Tên trường", required=True)
    code = text("Mã trường", required=True, max_len=20)
    level = SelectField("Cấp học", choices=[*LEVELS.items(), ("THCS,THPT", "Nhiều cấp: THCS và THPT"), ("TH,THCS", "Nhiều cấp: Tiểu học và THCS")])
    department = text("Sở Giáo dục và Đào tạo")
    authority = text("Cơ quan quản lý trực tiếp (Phòng GD&ĐT / UBND)")
    province = text("Tỉnh/thành phố", required=True)
    place_of_issue = text("Địa danh phát hành học bạ", required=True,
                          description="In ở dòng “…, ngày … tháng … năm …” trên học bạ.")
    address = text("Địa chỉ")
    phone = text("Điện thoại", max_len=30)
    email = text("Thư điện tử", max_len=120)
    homeroom_enters_all_subjects = BooleanField("GVCN được nhập kết quả các môn chưa phân công GV bộ môn")


class YearForm(FlaskForm):
    first_year = IntegerField("Năm bắt đầu (ví dụ 2026 cho năm học 2026-2027)",
                              validators=[DataRequired("Vui lòng nhập năm."),
                                          NumberRange(2000, 2100, "Năm không hợp lệ.")])
    make_current = BooleanField("Đặt làm năm học hiện tại")


class ClassForm(FlaskForm):
    name = text("Tên lớp", required=True, max_len=20)
    grade = SelectField("Khối", coerce=int)
    homeroom = SelectField("Giáo viên chủ nhiệm", coerce=int)


class SubjectForm(FlaskForm):
    name = text("Tên môn học / hoạt động", required=True)
    kind = SelectField("Loại", choices=list(SUBJECT_KINDS.items()))
    assessment = SelectField("Cách đánh giá", choices=list(ASSESSMENTS.items()))
    ministry_code = text("Mã môn (CSDL ngành)", max_len=30)
    sort_order = IntegerField("Thứ tự", validators=[Optional()])


class StaffForm(FlaskForm):
    code = text("Mã cán bộ", required=True, max_len=30)
    full_name = text("Họ và tên", required=True, max_len=120)
    gender = SelectField("Giới tính", coerce=int, choices=[(k, v) for k, v in GENDERS.items()])
    born_on = VNDateField("Ngày sinh", validators=[Optional(), optional_date_in_past])
    title = text("Chức vụ", required=True, max_len=120)
    phone = text("Điện thoại", max_len=30)
    email = StringField("Thư điện tử", validators=[Optional(), Email("Địa chỉ thư không hợp lệ."), Length(max=120)],
                        filters=[clean_line])
    username = StringField("Tên đăng nhập", validators=[
        Optional(), Length(3, 60, "Tên đăng nhập từ 3 đến 60 ký tự."),
        Regexp(r"^[A-Za-z0-9._-]+$", message="Chỉ dùng chữ không dấu, số, dấu chấm, gạch ngang, gạch dưới.")],
        description="Để trống nếu người này không cần tài khoản.")
    roles = MultiCheckboxField("Vai trò", choices=list(ROLES.items()))
    can_sign = BooleanField("Phó Hiệu trưởng được ủy quyền ký học bạ")
    is_active = BooleanField("Đang làm việc", default=True)


class AssignmentForm(FlaskForm):
    staff = SelectField("Giáo viên", coerce=int)
    subject = SelectField("Môn học", coerce=int)


class PupilForm(FlaskForm):
    code = text("Mã học sinh", required=True, max_len=30)
    full_name = text("Họ và tên", required=True, max_len=120)
    gender = SelectField("Giới tính", coerce=int, choices=GENDER_CHOICES)
    born_on = VNDateField("Ngày sinh", validators=[InputRequired(REQUIRED), optional_date_in_past])
    school_class = SelectField("Lớp", coerce=int)
    ethnicity = text("Dân tộc", required=True, max_len=60)
    nationality = text("Quốc tịch", required=True, max_len=60)
    birthplace = text("Nơi sinh", required=True)
    hometown = text("Quê quán")
    address = text("Nơi ở hiện nay")
    father_name = text("Họ tên cha", max_len=120)
    mother_name = text("Họ tên mẹ", max_len=120)
    guardian_name = text("Họ tên người giám hộ", max_len=120)
    national_id = StringField("Mã định danh cá nhân", validators=[
        Optional(), Regexp(r"^\d{12}$", message="Mã định danh gồm đúng 12 chữ số.")],
        filters=[clean_line])
    registry_number = text("Số đăng bộ", max_len=30)


class ImportForm(FlaskForm):
    file = FileField("Tệp Excel (.xlsx) hoặc CSV (UTF-8)")


class CalendarNoteForm(FlaskForm):
    note = TextAreaField("Ghi chú", validators=[Optional(), Length(max=500)], filters=[clean_text])
