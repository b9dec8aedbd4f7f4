"""The demo school: a realistic primary school for the current school year, with the demo accounts."""
import datetime as dt
import random
from pathlib import Path

from portal.db import db, write_tx
from portal.models import Grade, Pupil, School, SchoolClass, Staff, Subject, TeachingAssignment
from portal.models.base import nfc
from portal.services import ServiceError
from portal.services.accounts import users as accounts
from portal.services.demo.results import seed_results
from portal.services.school import calendar
from portal.services.school.years import current_year, enrol, seed_curriculum, setup_school

DEMO_PASSWORD = "demo1234"

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
          "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Đoàn", "Lương", "Mạc", "Tạ", "Lưu", "Quách", "Kiều", "Hà",
          "Tô", "Châu", "Ưng", "Ông"]
MIDDLE_M = ["Văn", "Đức", "Minh", "Quốc", "Hữu", "Gia", "Thành", "Anh", "Công", "Tuấn", "Xuân", "Bảo",
            "Trọng", "Nhật", "Khánh", "Hoàng", "Đăng", "Thiện", "Phúc", "Duy"]
MIDDLE_F = ["Thị", "Ngọc", "Thu", "Bảo", "Khánh", "Minh", "Phương", "Thùy", "Hồng", "Diệu", "Tường", "Mỹ",
            "Quỳnh", "Hải", "Ánh", "Kim", "Thảo", "Như", "Yến", "Gia"]
GIVEN_M = ["An", "Bình", "Cường", "Dũng", "Đạt", "Đức", "Giang", "Hải", "Hiếu", "Hoàng", "Huy", "Khang",
           "Khôi", "Kiên", "Lâm", "Long", "Lộc", "Mạnh", "Minh", "Nam", "Nghĩa", "Nhân", "Phát", "Phúc",
           "Quân", "Quang", "Sơn", "Tài", "Thắng", "Thịnh", "Toàn", "Trí", "Trung", "Tùng", "Uy", "Việt",
           "Vũ", "Vỹ", "Hưng", "Tuệ", "Dương", "Kỳ", "Lý", "Ẩn", "Ơn", "Khải", "Ngữ"]
GIVEN_F = ["An", "Anh", "Ánh", "Chi", "Diệp", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa",
           "Huệ", "Hương", "Khuê", "Lan", "Linh", "Loan", "Mai", "My", "Mỵ", "Ngân", "Ngọc", "Nhi", "Nhung",
           "Oanh", "Phương", "Quyên", "Quỳnh", "Thảo", "Thư", "Trang", "Tuyết", "Uyên", "Vân", "Vy", "Xuân",
           "Yến", "Ngà", "Thoa", "Thủy", "Duyên", "Nguyệt", "Ỷ", "Ửng"]
ETHNIC = ["Kinh"] * 30 + ["Tày", "Mường", "Hoa", "Khơ-me", "Nùng"]
WARDS = ["phường An Biên", "phường Lê Chân", "phường Hồng Bàng", "phường Ngô Quyền", "phường Gia Viên",
         "xã An Hưng", "phường Kiến An"]
STREETS = ["Tô Hiệu", "Lạch Tray", "Trần Nguyên Hãn", "Hai Bà Trưng", "Nguyễn Đức Cảnh", "Cát Cụt",
           "Mê Linh", "Dư Hàng", "Chợ Hàng", "Thiên Lôi"]
PROVINCE_CODE = "031"  # Hải Phòng

STAFF = [
    # username, full name, gender, title, roles {code: can_sign}
    ("admin", "Phạm Quốc Khánh", 1, "Nhân viên công nghệ thông tin", {"admin": False}),
    ("hieutruong", "Nguyễn Thị Thanh Hương", 2, "Hiệu trưởng", {"principal": False}),
    ("phohieutruong", "Trần Văn Đức", 1, "Phó Hiệu trưởng", {"vice_principal": True}),
    ("vanthu", "Lê Thị Ngọc Ánh", 2, "Văn thư", {"clerk": False}),
    ("gv.tienganh", "Đỗ Thùy Dương", 2, "Giáo viên Tiếng Anh", {"subject_teacher": False}),
    ("gv.tinhoc", "Vũ Minh Tuấn", 1, "Giáo viên Tin học", {"subject_teacher": False}),
]
HOMEROOM = {
    "1A": ("Hoàng Thị Lan", 2), "1B": ("Bùi Thị Hằng", 2), "2A": ("Ngô Thị Kim Oanh", 2),
    "2B": ("Đặng Văn Sơn", 1), "3A": ("Lương Thị Huệ", 2), "3B": ("Phan Thị Mỹ Duyên", 2),
    "4A": ("Đinh Thị Quỳnh Nga", 2), "4B": ("Trịnh Văn Thắng", 1), "5A": ("Võ Thị Thu Trang", 2),
    "5B": ("Hồ Thị Ánh Tuyết", 2),
}


def _name(rng: random.Random, gender: int) -> str:
    middle, given = (MIDDLE_M, GIVEN_M) if gender == 1 else (MIDDLE_F, GIVEN_F)
    parts = [rng.choice(FAMILY), rng.choice(middle)]
    if rng.random() < 0.25:
        parts.append(rng.choice(middle))
    parts.append(rng.choice(given))
    return nfc(" ".join(dict.fromkeys(parts)))  # no doubled middle name


def national_id(born_on: dt.date, gender: int, serial: int) -> str:
    century = (born_on.year // 100 - 19) * 2 + (0 if gender == 1 else 1)
    return f"{PROVINCE_CODE}{century}{born_on.year % 100:02d}{serial:06d}"


def seed_demo(today: dt.date | None = None, seed: int = 2026) -> School:
    """Seed the demo school into an empty database."""
    if School.select().exists():
        raise ServiceError("Cơ sở dữ liệu đã có dữ liệu. Dùng --reset để xóa và tạo lại trường mẫu.")
    rng = random.Random(seed)
    today = today or dt.date.today()
    with write_tx():
        school = setup_school(
            "Trường Tiểu học Hoa Sen", "31001234", level="TH", today=today,
            department="Sở Giáo dục và Đào tạo thành phố Hải Phòng",
            authority="Ủy ban nhân dân phường Lê Chân", province="Hải Phòng",
            place_of_issue="Hải Phòng", address="Số 12 đường Tô Hiệu, phường Lê Chân, thành phố Hải Phòng",
            phone="0225 3856 123", email="thhoasen@haiphong.edu.vn")
        seed_curriculum("TH")
        year = current_year()
        first_year = calendar.school_year_of(today)
        staff_by_user = {}
        for i, (username, full_name, gender, title, roles) in enumerate(STAFF, start=1):
            staff = Staff.create(code=f"CB{i:03d}", full_name=full_name, gender=gender, title=title)
            accounts.create_user(None, username, staff, roles, password=DEMO_PASSWORD, must_change=False)
            staff_by_user[username] = staff
        subjects = {s.code: s for s in Subject.select()}
        serial = 100000 + rng.randrange(1000, 5000)
        pupil_no = 0
        for n, (class_name, (teacher_name, teacher_gender)) in enumerate(HOMEROOM.items(), start=1):
            grade = Grade.get(Grade.number == int(class_name[0]))
            teacher = Staff.create(code=f"GV{n:03d}", full_name=teacher_name, gender=teacher_gender,
                                   title="Giáo viên")
            accounts.create_user(None, f"gvcn.{class_name.lower()}", teacher, {"homeroom": False},
                                 password=DEMO_PASSWORD, must_change=False)
            klass = SchoolClass.create(year=year, grade=grade, name=class_name, homeroom=teacher)
            for gs in grade.subjects:
                code = gs.subject.code
                if code == "NN1" and grade.number >= 3:
                    owner = staff_by_user["gv.tienganh"]
                elif code == "THCN":
                    owner = staff_by_user["gv.tinhoc"]
                elif gs.is_optional:
                    continue
                else:
                    owner = teacher
                TeachingAssignment.create(staff=owner, school_class=klass, subject=subjects[code])
            birth_year = first_year - 5 - grade.number
            for _ in range(rng.randint(30, 35)):
                pupil_no += 1
                serial += rng.randint(1, 40)
                gender = rng.choice((1, 2))
                born_on = dt.date(birth_year, 1, 1) + dt.timedelta(days=rng.randrange(365))
                family = rng.choice(FAMILY)
                father = _name(rng, 1).split(" ", 1)[1]
                pupil = Pupil.create(
                    code=f"31{first_year % 100:02d}{pupil_no:06d}",
                    full_name=_name(rng, gender), gender=gender, born_on=born_on,
                    ethnicity=rng.choice(ETHNIC), nationality="Việt Nam",
                    birthplace=f"Bệnh viện Phụ sản Hải Phòng, {rng.choice(WARDS)}, Hải Phòng",
                    hometown=f"{rng.choice(WARDS)}, Hải Phòng",
                    address=f"Số {rng.randint(1, 250)} {rng.choice(STREETS)}, {rng.choice(WARDS)}, Hải Phòng",
                    father_name=f"{family} {father}", mother_name=_name(rng, 2),
                    national_id=national_id(born_on, gender, serial),
                    registry_number=f"{pupil_no:04d}/{first_year - grade.number + 1}",
                )
                enrol(pupil, klass, school, entered_on=dt.date(first_year - grade.number + 1, 9, 5))
        seed_results()
    seed_pki()
    return school


DEMO_TAX_CODE = "0201234567"
REVOKED_DEMO_SIGNER = "gvcn.2b"  # also gets a revoked certificate (exported, not installed) to show the refusal


def demo_staff_id(staff) -> str:
    """A made-up 12-digit identification number for a demo staff member (province 031, never real)."""
    return f"{PROVINCE_CODE}{0 if staff.gender == 1 else 1}{80 + staff.id % 15:02d}{staff.id:06d}"


def seed_pki(revoked_signer: str | None = REVOKED_DEMO_SIGNER) -> None:
    """A test PKI for the demo that behaves like a real one: root and intermediate CA whose certificates
    name CRL and OCSP addresses served (with a timestamping authority) by the local service in
    portal/signing/responder.py; a personal certificate (CCCD in the subject) for every demo signer —
    every homeroom teacher, the principal, the vice-principal (authorised for the school year), the
    subject teachers — and an organisation certificate (MST) for the school's seal, registered by the
    administrator. Passphrase demo1234; the .p12 files are in the demo PKI folder. One extra, revoked
    certificate (`gvcn.2b-thu-hoi.p12`) shows the refusal. Real deployments put the national CAs in
    instance/trust/ instead."""
    import datetime as dt_
    import shutil

    from portal.services.appconfig import app_config

    from portal.models import SigningAuthorisation, User, UserRole
    from portal.signing import responder
    from portal.signing.pki import TestPKI

    from portal.services.records.signers import register_seal
    from portal.services.records.timestamps import demo_pki_dir
    from portal.services.school.certificates import install_p12

    trust = Path(app_config()["TRUST_DIR"])
    trust.mkdir(parents=True, exist_ok=True)
    folder = demo_pki_dir()
    if folder.exists():
        shutil.rmtree(folder)
    port = app_config().get("DEMO_PKI_PORT") or 5080
    pki = TestPKI.create("Học bạ số — CA thử nghiệm", base_url=f"http://127.0.0.1:{port}")
    pki.save(folder)
    (trust / "hocba-demo-root.pem").write_bytes(pki.root.pem())
    responder.ensure_running(folder)
    school = School.current()
    with write_tx():
        School.update(tax_code=DEMO_TAX_CODE).where(School.id == school.id).execute()
        for staff in Staff.select():
            Staff.update(national_id=demo_staff_id(staff)).where(Staff.id == staff.id).execute()
    school = School.current()
    signer_roles = ("homeroom", "principal", "vice_principal", "subject_teacher")
    users = (User.select().join(UserRole).where(UserRole.role.in_(signer_roles)).distinct().order_by(User.id))
    for user in users:
        staff = Staff.get_by_id(user.staff_id)
        p12 = pki.p12(pki.person(staff.full_name, school.name, staff.national_id), DEMO_PASSWORD, user.username)
        (folder / f"{user.username}.p12").write_bytes(p12)
        install_p12(user, p12, DEMO_PASSWORD, "personal")
    clerk = User.get(User.username == "vanthu")
    seal = pki.p12(pki.organisation(school.name, DEMO_TAX_CODE), DEMO_PASSWORD, "vanthu")
    (folder / "vanthu.p12").write_bytes(seal)
    row = install_p12(clerk, seal, DEMO_PASSWORD, "organisation")
    register_seal(User.get(User.username == "admin"), row)
    principal, deputy = User.get(User.username == "hieutruong"), User.get(User.username == "phohieutruong")
    year = current_year()
    with write_tx():
        SigningAuthorisation.create(user=deputy, granted_by=principal, starts_on=year.starts_on,
                                    ends_on=year.ends_on + dt_.timedelta(days=90),
                                    reason="Quyết định ủy quyền ký học bạ số năm học " + year.name)
    if revoked_signer is None:
        return
    revoked_staff = User.get(User.username == revoked_signer).staff
    revoked = pki.person(revoked_staff.full_name, school.name, revoked_staff.national_id)
    pki.revoke(revoked.cert)
    pki.save_revocations(folder)
    (folder / f"{revoked_signer}-thu-hoi.p12").write_bytes(pki.p12(revoked, DEMO_PASSWORD, revoked_signer))


def reset_database() -> None:
    """Drop every table (data and migration history) and migrate again from scratch."""
    from portal.db import is_postgres, upgrade

    with db.connection_context():
        if is_postgres():
            with db.atomic():
                for table in db.get_tables():
                    db.execute_sql(f'DROP TABLE IF EXISTS "{table}" CASCADE')
            upgrade()
            return
        db.execute_sql("PRAGMA foreign_keys = OFF")
        for table in db.get_tables():
            db.execute_sql(f'DROP TABLE IF EXISTS "{table}"')
        db.execute_sql("PRAGMA foreign_keys = ON")
    upgrade()
