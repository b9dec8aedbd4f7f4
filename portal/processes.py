"""Which process holds something: `host:pid:random` names, and whether such a holder still runs.

A record's signing claim and a signing worker's registration are named this way, so what a killed process
left behind is recognised at once on its own machine (elsewhere only its age tells)."""
import os
import secrets
import socket


def holder_name() -> str:
    """host:pid:random for this process, new on every call."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(6)}"


def holder_alive(name: str) -> bool:
    """False when `name` is this machine's and no process of its number runs (or it is a zombie: killed, not
    yet reaped); True otherwise, including for another machine's processes (only their age tells)."""
    host, _, rest = (name or "").partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname():
        return True
    if not (pid.isascii() and pid.isdigit()):  # this machine's name, yet no process number: nothing runs it
        return False
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, OverflowError):  # OverflowError: no process has such a number
        return False
    except PermissionError:
        return True
    return not _zombie(int(pid))  # a container's init may reap late


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except (OSError, IndexError):
        return False
