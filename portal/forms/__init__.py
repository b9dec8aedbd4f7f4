"""WTForms with Vietnamese messages. Forms parse and validate input; services decide."""
import datetime as dt

from wtforms import Field
from wtforms.validators import ValidationError
from wtforms.widgets import TextInput

REQUIRED = "Vui lòng nhập thông tin này."


def db_id(text) -> int:
    """An id from a query string or form (`request.args.get(…, type=db_id)`): an integer SQLite can hold,
    else ValueError, which Flask turns into the default (None) instead of a 500 on an enormous number."""
    value = int(str(text).strip())
    if not 0 <= value <= 2**63 - 1:
        raise ValueError("id out of range")
    return value


def parse_vn_date(text: str) -> dt.date:
    """dd/mm/yyyy (also d/m/yyyy and dd-mm-yyyy); raises ValueError with a Vietnamese message."""
    text = (text or "").strip().replace("-", "/").replace(".", "/")
    parts = text.split("/")
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
        raise ValueError("Ngày phải theo dạng ngày/tháng/năm, ví dụ 05/09/2019.")
    day, month, year = (int(p) for p in parts)
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"Ngày {text} không tồn tại.") from None


class VNDateField(Field):
    """A date typed as dd/mm/yyyy; works on any phone keyboard, unlike <input type=date> locales."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"placeholder": "dd/mm/yyyy", "inputmode": "numeric"})
        super().__init__(label, validators, **kwargs)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%d/%m/%Y") if self.data else ""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = parse_vn_date(valuelist[0])
        except ValueError as err:
            self.data = None
            raise ValueError(str(err)) from None


def optional_date_in_past(form, field):
    if field.data and field.data > dt.date.today():
        raise ValidationError("Ngày không được ở tương lai.")
