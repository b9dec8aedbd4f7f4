"""Who is in which class and who teaches what.

An enrolment is one row of the record's quá trình học tập: year, class, school, registry number and
the date the pupil entered or transferred in. Rows from another school (before a transfer) have no
class of ours and carry the names as text.
"""
from peewee import DateField, ForeignKeyField, IntegerField

from .base import BaseModel, NFCCharField
from .people import Pupil, Staff
from .school import SchoolClass, Subject

ENROLMENT_STATUSES = {
    "active": "Đang học",
    "transferred_out": "Đã chuyển đi",
    "left": "Thôi học",
}


class Enrolment(BaseModel):
    pupil = ForeignKeyField(Pupil, backref="enrolments", on_delete="CASCADE")
    school_class = ForeignKeyField(SchoolClass, null=True, backref="enrolments", on_delete="RESTRICT")
    year_name = NFCCharField()
    class_name = NFCCharField()
    school_name = NFCCharField()
    registry_number = NFCCharField(default="")
    entered_on = DateField(null=True)
    left_on = DateField(null=True)
    status = NFCCharField(default="active")
    order = IntegerField(default=0)

    class Meta:
        indexes = ((("pupil", "school_class"), True),)


class TeachingAssignment(BaseModel):
    staff = ForeignKeyField(Staff, backref="assignments", on_delete="CASCADE")
    school_class = ForeignKeyField(SchoolClass, backref="assignments", on_delete="CASCADE")
    subject = ForeignKeyField(Subject, backref="assignments", on_delete="CASCADE")

    class Meta:
        indexes = ((("staff", "school_class", "subject"), True),)

    @classmethod
    def of_class(cls, klass):
        """Who teaches what in a class, with the subject and the teacher, in the subjects' printed order."""
        return (cls.select(cls, Subject, Staff).join(Subject).switch(cls).join(Staff)
                .where(cls.school_class == klass).order_by(Subject.sort_order))
