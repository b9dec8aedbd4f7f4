"""Staff and pupils: the people a record is about or signed by.

Glossary: pupil = học sinh; pupil code = mã học sinh; national id = mã định danh cá nhân (12 digits);
registry number = số đăng bộ; ethnicity = dân tộc; home town = quê quán; guardian = người giám hộ.
"""
from peewee import BooleanField, DateField, DateTimeField, IntegerField

from .base import BaseModel, NFCCharField, NFCTextField, utcnow

# giới tính, coded as in the ministry's data dictionary (0 unknown, 1 male, 2 female).
GENDERS = {1: "Nam", 2: "Nữ", 0: "Không rõ"}


def split_name(full_name: str) -> tuple[str, str]:
    """Vietnamese names put the given name last: "Nguyễn Thị Mai" → ("Mai", "Nguyễn Thị")."""
    parts = full_name.split()
    if not parts:
        return "", ""
    return parts[-1], " ".join(parts[:-1])


class Staff(BaseModel):
    code = NFCCharField(unique=True)  # mã cán bộ
    full_name = NFCCharField()
    gender = IntegerField(default=0)
    born_on = DateField(null=True)
    title = NFCCharField(default="Giáo viên")  # chức vụ, printed under a signature
    phone = NFCCharField(default="")
    email = NFCCharField(default="")
    is_active = BooleanField(default=True)
    national_id = NFCCharField(default="")  # số định danh cá nhân (CCCD), named in personal certificates

    def __str__(self):
        return self.full_name

    @property
    def given_name(self):
        return split_name(self.full_name)[0]

    @classmethod
    def active(cls):
        """Staff still working at the school (unordered: collation.sort_people orders names)."""
        return cls.select().where(cls.is_active == True)  # noqa: E712


class Pupil(BaseModel):
    code = NFCCharField(unique=True)  # mã học sinh
    full_name = NFCCharField()
    gender = IntegerField()
    born_on = DateField()
    ethnicity = NFCCharField(default="Kinh")
    nationality = NFCCharField(default="Việt Nam")
    birthplace = NFCCharField(default="")
    hometown = NFCCharField(default="")
    address = NFCCharField(default="")
    father_name = NFCCharField(default="")
    mother_name = NFCCharField(default="")
    guardian_name = NFCCharField(default="")
    national_id = NFCCharField(null=True, unique=True)
    registry_number = NFCCharField(default="")  # số đăng bộ
    # Reconciliation findings (e.g. the national id disagrees with the date of birth); blank = none.
    review_note = NFCTextField(default="")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    def __str__(self):
        return self.full_name

    @property
    def given_name(self):
        return split_name(self.full_name)[0]

    @property
    def gender_label(self):
        return GENDERS.get(self.gender, "")
