"""Who learns which subject in a secondary class (TT22): the class's subjects, and each pupil's electives.

A class learns its grade's compulsory subjects and the elective or optional ones someone is assigned to
teach it (a TeachingAssignment). A pupil learns every subject of the class except the electives or optional
subjects the administrator recorded as not theirs (ElectiveOptOut): with nothing recorded, all of them, so a
class whose electives were set for the whole class reads as before. The subject grid lists only the
pupils who learn the subject; the summary, the learning level (Điều 9 k.2) and the record take each
pupil's own subjects; a subject teacher signs only the records of pupils who learn their subject.
"""
import json

from portal.db import write_tx
from portal.models import ElectiveOptOut, GradeSubject, Pupil, SchoolClass, Subject, TeachingAssignment, User
from portal.services import ServiceError
from portal.services.accounts import permissions
from portal.services.records import freeze
from portal.services.school.years import DATA_DIR, class_roster
from portal.services.system import audit


def class_subjects(klass: SchoolClass) -> list[tuple[Subject, GradeSubject]]:
    """The subjects the class learns: the grade's compulsory ones, and the elective/optional ones someone
    teaches the class (a TeachingAssignment); a pupil may learn fewer of the latter (pupil_subjects)."""
    taught = {t.subject_id for t in TeachingAssignment.select(TeachingAssignment.subject)
              .where(TeachingAssignment.school_class == klass)}
    rows = (GradeSubject.select(GradeSubject, Subject).join(Subject)
            .where(GradeSubject.grade == klass.grade_id).order_by(Subject.sort_order, Subject.id))
    return [(gs.subject, gs) for gs in rows if not gs.is_optional or gs.subject_id in taught]


def class_electives(klass: SchoolClass) -> list[tuple[Subject, GradeSubject]]:
    """The class's subjects a pupil may not learn: its electives (môn lựa chọn) and optional ones (tự chọn)."""
    return [(s, gs) for s, gs in class_subjects(klass) if gs.is_optional]


def _opted_out(klass: SchoolClass, *columns):
    """The class's opt-outs that still apply: of a subject optional in the class's grade (one the
    administrator has since made compulsory is learnt by everyone again)."""
    return (ElectiveOptOut.select(*columns)
            .join(GradeSubject, on=((GradeSubject.subject == ElectiveOptOut.subject)
                                    & (GradeSubject.grade == klass.grade_id)))
            .where((ElectiveOptOut.school_class == klass) & (GradeSubject.is_optional == True)))  # noqa: E712


def opt_outs(klass: SchoolClass) -> dict[int, set[int]]:
    """pupil id → the ids of the class's subjects they do not learn (one query)."""
    out: dict = {}
    for pupil_id, subject_id in _opted_out(klass, ElectiveOptOut.pupil, ElectiveOptOut.subject).tuples():
        out.setdefault(pupil_id, set()).add(subject_id)
    return out


def pupil_subjects(subjects: list, skipped=None) -> list[tuple[Subject, GradeSubject]]:
    """The class's `subjects` less those the pupil does not learn (`skipped`: subject ids)."""
    return [(s, gs) for s, gs in subjects if s.id not in (skipped or ())]


def subjects_of(klass: SchoolClass, pupil) -> list[tuple[Subject, GradeSubject]]:
    """The subjects this pupil learns in this class."""
    skipped = {sid for (sid,) in _opted_out(klass, ElectiveOptOut.subject).where(ElectiveOptOut.pupil == pupil).tuples()}
    return pupil_subjects(class_subjects(klass), skipped)


def learns(klass: SchoolClass, pupil, subject) -> bool:
    return not _opted_out(klass, ElectiveOptOut.id).where((ElectiveOptOut.pupil == pupil)
                                                          & (ElectiveOptOut.subject == subject)).exists()


def ensure_learns(klass: SchoolClass, pupil: Pupil, subject: Subject) -> None:
    """Refuse an assessment of a subject the pupil does not learn."""
    if not learns(klass, pupil, subject):
        raise ServiceError(f"{pupil.full_name} không học môn {subject.name} (môn lựa chọn của học sinh).",
                           field="value")


def subject_roster(klass: SchoolClass, subject: Subject) -> list[Pupil]:
    """The class list of the pupils who learn this subject, in class-list order."""
    skipped = {pid for (pid,) in _opted_out(klass, ElectiveOptOut.pupil).where(ElectiveOptOut.subject == subject).tuples()}
    return [p for p in class_roster(klass) if p.id not in skipped]


def electives_required(klass: SchoolClass) -> int | None:
    """How many electives (group `elective`) a pupil of this level takes, from the curriculum file
    (THPT: 4, CTGDPT 2018 as amended by TT13/2022); None when the level sets no number."""
    path = DATA_DIR / f"curriculum_{klass.grade.level}.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8")).get("electives_per_pupil")


def electives_table(klass: SchoolClass) -> dict:
    """The administrator's page: each pupil × the class's electives, ticked when learnt, and the pupils
    whose number of electives differs from the curriculum's."""
    subjects, skipped = class_electives(klass), opt_outs(klass)
    required = electives_required(klass)
    rows, warnings = [], []
    for pupil in class_roster(klass):
        learnt = {s.id: s.id not in skipped.get(pupil.id, set()) for s, _ in subjects}
        rows.append((pupil, learnt))
        count = sum(1 for s, gs in subjects if gs.group == "elective" and learnt[s.id])
        # UNCONFIRMED: whether a pupil may learn more (or, moving between combinations, fewer) electives
        # than the programme's number is not settled (TT22.md §5.4): a warning, not a refusal.
        if required and any(gs.group == "elective" for _, gs in subjects) and count != required:
            warnings.append(f"{pupil.full_name} học {count} môn lựa chọn (chương trình: {required} môn).")
    return dict(klass=klass, subjects=subjects, rows=rows, warnings=warnings, required=required)


def save_electives(user: User, klass: SchoolClass, learnt: set[tuple[int, int]]) -> list[Pupil]:
    """Record which of the class's electives each pupil learns (`learnt`: (pupil id, subject id) pairs);
    returns the pupils whose electives changed. Refused for a pupil whose record is in the signing chain.
    Scores already entered in a subject a pupil leaves are kept, not counted."""
    if not permissions.is_admin(user):
        raise permissions.Forbidden()
    ids = {s.id for s, _ in class_electives(klass)}
    changed = []
    with write_tx():
        current = opt_outs(klass)
        for pupil in class_roster(klass):
            wanted = {sid for sid in ids if (pupil.id, sid) not in learnt}
            have = current.get(pupil.id, set()) & ids
            if wanted == have:
                continue
            freeze.ensure_open(pupil, klass)  # the record would show other subjects
            if have - wanted:
                ElectiveOptOut.delete().where((ElectiveOptOut.school_class == klass) & (ElectiveOptOut.pupil == pupil)
                                              & ElectiveOptOut.subject.in_(list(have - wanted))).execute()
            for sid in sorted(wanted - have):
                ElectiveOptOut.create(pupil=pupil, school_class=klass, subject=sid, created_by=user)
            changed.append(pupil)
        if changed:
            audit.record("pupil.electives_changed", klass, user=user,
                         summary=f"Môn lựa chọn lớp {klass.name}: " + ", ".join(p.full_name for p in changed))
    return changed
