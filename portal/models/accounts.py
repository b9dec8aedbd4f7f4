"""User accounts, roles and login attempts.

Roles stored here are the school-wide ones (admin, principal, vice-principal, clerk) and the teacher
kinds; which class a homeroom or subject teacher may reach comes from the class and the teaching
assignments, never from the role alone.
"""
from peewee import BooleanField, DateTimeField, ForeignKeyField, IntegerField

from .base import BaseModel, NFCCharField, utcnow
from .prepared import Prepared
from .people import Staff

ROLES = {
    "admin": "Quản trị hệ thống",
    "principal": "Hiệu trưởng",
    "vice_principal": "Phó Hiệu trưởng",
    "homeroom": "Giáo viên chủ nhiệm",
    "subject_teacher": "Giáo viên bộ môn",
    "clerk": "Văn thư",
}


class User(BaseModel):
    username = NFCCharField(unique=True)
    password_hash = NFCCharField()
    staff = ForeignKeyField(Staff, null=True, unique=True, backref="users", on_delete="SET NULL")
    display_name = NFCCharField(default="")
    is_active = BooleanField(default=True)
    must_change_password = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)
    last_login_at = DateTimeField(null=True)
    password_changed_at = DateTimeField(null=True)
    # Bumped by logout, a password change or reset: every session cookie issued before stops working.
    session_version = IntegerField(default=0)

    def save(self, *args, **kwargs):
        """Updates never write session_version back: it only moves forward through its own UPDATE
        (services/accounts/users.py), and a User loaded before a logout must not revive older cookies."""
        if self._pk is not None and not kwargs.get("force_insert") and "only" not in kwargs:
            kwargs["only"] = [f for f in self._meta.sorted_fields
                              if f.name != "session_version" and f is not self._meta.primary_key]
        return super().save(*args, **kwargs)

    # flask-login protocol
    @property
    def is_authenticated(self):
        return True

    @property
    def is_anonymous(self):
        return False

    def get_id(self):
        # What flask-login keeps in the session cookie (portal/auth.py checks the version on every request).
        return f"{self.id}:{self.session_version}"

    @property
    def role_codes(self) -> set[str]:
        # Cached on the instance: flask-login loads a fresh User per request, and permission checks
        # ask several times per request.
        if not hasattr(self, "_role_codes"):
            self._role_codes = {r.role for r in self.roles}
        return self._role_codes

    @classmethod
    def signed_in(cls, user_id: int, session_version: int) -> "User | None":
        """The active user a session cookie names, if the cookie is of their current session version."""
        return _SIGNED_IN.first(user_id, session_version)

    def has_role(self, *codes: str) -> bool:
        return bool(self.role_codes.intersection(codes))

    @property
    def name(self):
        return self.staff.full_name if self.staff_id else (self.display_name or self.username)

    @classmethod
    def of_staff(cls, staff):
        """The staff member's account, or None."""
        return cls.get_or_none(cls.staff == staff)

    @classmethod
    def with_role(cls, role: str):
        return cls.select().join(UserRole).where(UserRole.role == role)

    @classmethod
    def alphabetical(cls):
        return cls.select().order_by(cls.username)


class UserRole(BaseModel):
    user = ForeignKeyField(User, backref="roles", on_delete="CASCADE")
    role = NFCCharField()
    # Only meaningful for a vice-principal: authorised by the principal to sign records.
    can_sign = BooleanField(default=False)

    class Meta:
        indexes = ((("user", "role"), True),)


class LoginAttempt(BaseModel):
    username = NFCCharField(index=True)
    ip = NFCCharField(index=True)
    at = DateTimeField(default=utcnow, index=True)
    succeeded = BooleanField(default=False)


_SIGNED_IN = Prepared(lambda i, v: User.select().where((User.id == i) & (User.session_version == v)
                                                       & (User.is_active == True)).limit(1))  # noqa: E712
