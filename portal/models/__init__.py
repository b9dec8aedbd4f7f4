"""Peewee models, one module per aggregate."""
from .access import AccessCode
from .exchange import (
    MESSAGE_KINDS, MESSAGE_STATES, REGISTRY_STATUSES, SUBMISSION_STATUSES, BackupRun, PackageSubmission, RegistryMessage,
)
from .accounts import ROLES, LoginAttempt, User, UserRole
from .audit import AuditEntry
from .base import BaseModel
from .evaluation import (
    ChangeRequest, CommentTemplate, EvaluationChange, EvaluationLock, LevelFill, QualityResult, SubjectResult,
    YearResult,
)
from .enrolment import ENROLMENT_STATUSES, Enrolment, TeachingAssignment
from .records import RECORD_STATUSES, CorrectionRequest, RecordVersion
from .signing import BACKENDS, Certificate, RecordSignature, SigningAuthorisation, SigningJob, SigningWorker
from .secondary import MAKEUPS, TERMS, ElectiveOptOut, ScoreEntry, TermConduct, YearRemark
from .people import GENDERS, Pupil, Staff, split_name
from .school import (
    ASSESSMENTS,
    CHECKPOINTS,
    LEVEL_GRADES,
    LEVELS,
    SECONDARY,
    SUBJECT_KINDS,
    CalendarDate,
    Grade,
    GradeSubject,
    School,
    SchoolClass,
    SchoolYear,
    Subject,
    Term,
    school_levels,
)

ALL_MODELS = [
    School, SchoolYear, Term, CalendarDate, Grade, Subject, GradeSubject, Staff, SchoolClass, Pupil,
    Enrolment, TeachingAssignment, User, UserRole, LoginAttempt, AuditEntry,
    SubjectResult, QualityResult, YearResult, EvaluationLock, ChangeRequest, EvaluationChange, CommentTemplate,
    RecordVersion, Certificate, RecordSignature, SigningAuthorisation, SigningJob, AccessCode, CorrectionRequest, PackageSubmission,
    BackupRun, LevelFill, ScoreEntry, TermConduct, RegistryMessage, YearRemark, ElectiveOptOut, SigningWorker,
]
