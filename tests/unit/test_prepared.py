"""portal/models/prepared.py: SQL written once, the same rows as the query itself, parameters converted as
peewee converts them."""
from portal.db import db
from portal.models import Enrolment, Pupil, RecordVersion, SchoolClass, User
from portal.models.prepared import Prepared


def test_a_prepared_query_returns_the_same_model_rows_as_the_plain_query_for_every_parameter(demo_app):
    with demo_app.app_context(), db.connection_context():
        built = []

        def build(klass, status):
            built.append(1)
            return (Pupil.select(Pupil, Enrolment).join(Enrolment)
                    .where((Enrolment.school_class == klass) & (Enrolment.status == status)).order_by(Pupil.id))

        prepared = Prepared(build)
        for klass in SchoolClass.select():
            plain = list(build(klass, "active"))
            got = prepared.rows(klass, "active")  # a model instance: converted to its id, as peewee does
            assert [(p.id, p.full_name, p.enrolment.id) for p in got] == \
                   [(p.id, p.full_name, p.enrolment.id) for p in plain] and got
            assert prepared.rows(klass.id, "left") == []
        assert len(built) == SchoolClass.select().count() + 1  # the prepared one built its SQL once


def test_text_parameters_are_cleaned_like_the_field_cleans_them(demo_app):
    with demo_app.app_context(), db.connection_context():
        user = User.get(User.username == "gvcn.1a")
        by_name = Prepared(lambda name: User.select().where(User.display_name == name).limit(1))
        User.update(display_name="Nguyễn Thị An").where(User.id == user.id).execute()
        decomposed = "Nguye\u0302\u0303n Thi\u0323 An"  # NFD, as some keyboards send it
        assert by_name.first(decomposed).id == user.id


def test_the_hot_reads_match_their_plain_queries(demo_app):
    from portal.services.system import audit

    with demo_app.app_context(), db.connection_context():
        klass = SchoolClass.get(SchoolClass.name == "1A")
        pupil = klass.enrolments[0].pupil
        assert SchoolClass.by_id(klass.id).name == "1A" and SchoolClass.by_id(10 ** 9) is None
        assert RecordVersion.latest_for(pupil, klass) is None
        rv = RecordVersion.create(pupil=pupil, school_class=klass, version=1, code="T-1", data_json="{}")
        RecordVersion.create(pupil=pupil, school_class=klass, version=2, code="T-2", data_json="{}")
        assert RecordVersion.latest_for(pupil.id, klass).code == "T-2" and rv.version == 1
        entry = audit.record("test.prepared", pupil, user=None, summary="x")
        assert audit.head().id == entry.id and audit.head().hash == entry.hash
        user = User.get(User.username == "gvcn.1a")
        assert User.signed_in(user.id, user.session_version).id == user.id
        assert User.signed_in(user.id, user.session_version + 1) is None
