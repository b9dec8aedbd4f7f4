"""The passphrase handed to signing workers sealed to their in-memory keys (services/records/handover.py)."""
import base64
import datetime as dt

import pytest

from portal.db import db
from portal.models import SigningWorker
from portal.models.base import utcnow
from portal.services import ServiceError
from portal.services.records import handover


@pytest.fixture
def ctx(demo_app):
    with demo_app.app_context(), db.connection_context():
        yield


def test_without_a_live_worker_sealing_is_refused_with_a_message_naming_the_service(ctx):
    with pytest.raises(ServiceError) as err:
        handover.seal(1, "demo1234")
    assert "hocba-worker" in err.value.message and "chưa học bạ nào được ký" in err.value.message


def test_a_sealed_copy_opens_only_in_this_process_and_only_for_its_job(ctx):
    me = handover.register()
    sealed = handover.seal(7, "mật khẩu dài")
    assert set(sealed) == {me}
    assert "mật khẩu".encode() not in base64.b64decode(sealed[me])
    assert handover.open_sealed(7, sealed) == "mật khẩu dài"
    assert handover.open_sealed(8, sealed) is None  # bound to job 7: replayed for another job, it fails
    tampered = bytearray(base64.b64decode(sealed[me]))
    tampered[-1] ^= 1
    assert handover.open_sealed(7, {me: base64.b64encode(bytes(tampered)).decode()}) is None
    assert handover.open_sealed(7, {"other-host:1:abc": sealed[me]}) is None  # not addressed to this process


def test_copies_go_to_every_live_worker_and_never_to_a_silent_or_dead_one(ctx):
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    def pub():
        return X25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()

    me = handover.register()
    SigningWorker.create(name="other-host:42:aa", public_key=pub())  # another machine, beating
    SigningWorker.create(name="other-host:43:bb", public_key=pub(), beat_at=utcnow() - dt.timedelta(minutes=5))
    import socket
    import subprocess
    gone = subprocess.Popen(["true"])
    gone.wait()
    SigningWorker.create(name=f"{socket.gethostname()}:{gone.pid}:cc", public_key=pub())  # this machine, exited
    assert set(handover.seal(3, "x")) == {me, "other-host:42:aa"}
    assert handover.others_alive({"other-host:42:aa": ""}) is True
    assert handover.others_alive({me: "", "other-host:43:bb": ""}) is False
    handover.unregister()
    assert not SigningWorker.select().where(SigningWorker.name == me).exists()


def test_a_damaged_or_impossible_worker_row_is_skipped_never_a_crash(ctx):
    import socket

    host = socket.gethostname()
    SigningWorker.create(name="other-host:5:aa", public_key="00" * 32)  # a low-order point: no usable key
    SigningWorker.create(name="other-host:6:bb", public_key="không phải hex")
    SigningWorker.create(name=f"{host}:²:cc", public_key="11" * 32)  # a digit Python's int() refuses
    SigningWorker.create(name=f"{host}:{10 ** 30}:dd", public_key="22" * 32)  # no process has that number
    SigningWorker.create(name="other-host:7:ee", public_key="33" * 32, beat_at=utcnow() + dt.timedelta(days=30000))
    with pytest.raises(ServiceError) as err:
        handover.seal(1, "demo1234")
    assert "hocba-worker" in err.value.message
    me = handover.register()
    assert set(handover.seal(1, "demo1234")) == {me}  # the one sound worker still gets its copy


def test_a_queued_batch_waits_its_turn_while_a_worker_lives_and_is_interrupted_when_none_does(ctx):
    from portal.models import SigningJob
    from tests.signing_helpers import user

    job = SigningJob.create(user=user("gvcn.1a"), role="homeroom", scope="class:1", wave=1,
                            created_at=utcnow() - dt.timedelta(minutes=10))
    handover.register()
    assert job.effective_status == "queued"  # behind another batch: not a reason to type the passphrase again
    handover.unregister()
    assert job.effective_status == "interrupted"


def test_a_queue_that_cannot_take_the_job_is_said_in_vietnamese_and_the_job_is_not_left_waiting(ctx):
    from portal.models import SchoolClass, SigningJob
    from portal.services.records import batches
    from tests.signing_helpers import PASS, user

    class DownQueue:
        ready = staticmethod(handover.register)

        @staticmethod
        def put(job_id, secret):
            raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")

    klass = SchoolClass.get(SchoolClass.name == "1A")
    with pytest.raises(ServiceError) as err:
        batches.start_batch(user("gvcn.1a"), f"class:{klass.id}", 1, PASS, queue=DownQueue)
    assert "chưa học bạ nào được ký" in err.value.message and "redis" not in err.value.message
    job = SigningJob.select().order_by(SigningJob.id.desc()).get()
    assert job.status == "interrupted"
