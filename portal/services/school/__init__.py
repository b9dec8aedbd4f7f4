"""School set-up and people: what exists before anyone evaluates.

- years: the school, its years, terms, grades, curriculum; enrolment and class rosters
- calendar: default school-year dates per level
- settings: the administrator's writes to the school's details, years, classes, subjects, assignments
- people: writing pupils and staff (with their accounts); identity: the 12-digit personal number
- imports: the pupil and staff lists in and out as spreadsheets
- certificates: staff signing certificates (PKCS#12 upload, the key kept encrypted, expiry warnings)
"""
