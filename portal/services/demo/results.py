"""Demo evaluations: complete, varied mid-term-I and end-of-year results for every demo pupil.

Every outcome of TT27 Điều 9 occurs; a few CHT pupils are left awaiting the supplementary evaluation.
"""
import random

from portal.db import write_tx
from portal.grading import tt27
from portal.models import QualityResult, SchoolClass, SubjectResult, User, YearResult
from portal.services.evaluation.comments import bank_for, personalise
from portal.services.evaluation.results import grade_subjects
from portal.services.school.years import class_roster

# share of pupils aiming at each outcome
PROFILES = [("HTXS", 0.14), ("HTT", 0.34), ("HT", 0.44), ("CHT", 0.08)]


def _profile(rng):
    x, acc = rng.random(), 0.0
    for name, share in PROFILES:
        acc += share
        if x < acc:
            return name
    return "HT"


def _values(rng, profile, n_subjects, n_tests):
    """Levels, scores and quality levels that give exactly `profile` under TT27 Điều 9."""
    if profile == "HTXS":
        return ["T"] * n_subjects, [rng.choice((9, 10)) for _ in range(n_tests)], "T"
    if profile == "HTT":
        scores = [rng.choice((7, 8, 9, 10)) for _ in range(n_tests)]
        if n_tests and min(scores) >= 9:
            scores[0] = rng.choice((7, 8))
        return ["T"] * n_subjects, scores, "T"
    if profile == "HT":
        levels = [rng.choice("TTH") for _ in range(n_subjects)]
        levels[rng.randrange(n_subjects)] = "H"
        return levels, [rng.choice((5, 6, 7, 8, 9)) for _ in range(n_tests)], "Đ"
    levels = [rng.choice("TH") for _ in range(n_subjects)]
    levels[rng.randrange(n_subjects)] = "C"
    return levels, [rng.choice((3, 4, 5, 6)) for _ in range(n_tests)], "C"


def seed_results(seed: int = 27) -> dict[str, int]:
    rng = random.Random(seed)
    tally = {k: 0 for k in tt27.OUTCOMES}
    users = {u.staff_id: u for u in User.select().where(User.staff.is_null(False))}
    for klass in SchoolClass.select():
        infos = [i for i in grade_subjects(klass) if not i.is_optional]
        teacher = users.get(klass.homeroom_id)
        banks = {i.subject.id: bank_for(None, i.subject) for i in infos}
        qbanks = {g: bank_for(None, None, g) for g in tt27.QUALITY_GROUPS}
        srows, qrows, yrows = [], [], []
        for pupil in class_roster(klass):
            profile = _profile(rng)
            tested_cn = [i for i in infos if "CN" in i.tested]
            levels, scores, qlevel = _values(rng, profile, len(infos), len(tested_cn))
            score_of = {i.subject.id: s for i, s in zip(tested_cn, scores)}
            q_levels = {q: (qlevel if rng.random() < 0.8 or qlevel == "C" else rng.choice("TĐ") if qlevel == "Đ" else "T")
                        for q in tt27.ALL_QUALITIES}
            if qlevel == "Đ":
                q_levels[rng.choice(list(tt27.ALL_QUALITIES))] = "Đ"
            if qlevel == "C":
                q_levels = {q: rng.choice("TĐ") for q in tt27.ALL_QUALITIES}
                q_levels[rng.choice(list(tt27.ALL_QUALITIES))] = "C"
            for cp in ("GK1", "CN"):
                for info, level in zip(infos, levels):
                    lv = level if cp == "CN" else rng.choice("TH" if level != "C" else "HC")
                    texts = banks[info.subject.id].get(lv) or [""]
                    score = None
                    if cp in info.tested:
                        score = score_of.get(info.subject.id) if cp == "CN" else rng.randint(5, 10)
                    srows.append(dict(pupil=pupil, school_class=klass, subject=info.subject, checkpoint=cp, level=lv,
                                      score=score, comment=personalise(rng.choice(texts), pupil.full_name),
                                      updated_by=teacher))
                for q, lv in q_levels.items():
                    qrows.append(dict(pupil=pupil, school_class=klass, quality=q, checkpoint=cp, level=lv,
                                      updated_by=teacher))
                for group in tt27.QUALITY_GROUPS:
                    group_levels = [q_levels[q] for q in tt27.QUALITY_GROUPS[group][1]]
                    lv = max(set(group_levels), key=group_levels.count)
                    texts = qbanks[group].get(lv) or [""]
                    qrows.append(dict(pupil=pupil, school_class=klass, quality=group, checkpoint=cp, level="",
                                      comment=personalise(rng.choice(texts), pupil.full_name), updated_by=teacher))
            cn_levels = {i.subject.code: lv for i, lv in zip(infos, levels)}
            cn_scores = {i.subject.code: score_of[i.subject.id] for i in tested_cn}
            outcome = tt27.year_outcome(cn_levels, cn_scores, q_levels)
            tally[outcome] += 1
            yrows.append(dict(pupil=pupil, school_class=klass, outcome=outcome,
                              awards="\n".join(tt27.award_suggestions(outcome))))
        with write_tx():
            for rows, model in ((srows, SubjectResult), (qrows, QualityResult), (yrows, YearResult)):
                for i in range(0, len(rows), 300):
                    model.insert_many(rows[i:i + 300]).execute()
    return tally
