"""Run untrusted-input work (parsing an uploaded PDF) in a child process with CPU-time and memory caps.

A hostile PDF (thousands of objects, deep nesting, a decompression bomb) can then cost at most the
limits, and never the server's memory or a thread forever.
"""
import multiprocessing
import resource
import traceback


class Bounded(Exception):
    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind  # timeout | memory | crash


def _address_space() -> int:
    """The bytes of address space this (forked) process already has: the cap is added on top of it."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * resource.getpagesize()
    except OSError:
        return 0


def _child(conn, fn, args, memory_mb, cpu_s):
    try:
        cap = _address_space() + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
        conn.send(("ok", fn(*args)))
    except MemoryError:
        conn.send(("memory", None))
    except RecursionError:
        conn.send(("crash", "recursion"))
    except BaseException:  # noqa: BLE001 — report, never hang the parent
        conn.send(("crash", traceback.format_exc(limit=3)))
    finally:
        conn.close()


def run(fn, *args, timeout_s: float = 30, memory_mb: int = 768):
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, args, memory_mb, int(timeout_s)), daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(timeout_s):
            raise Bounded("timeout")
        try:
            kind, value = parent.recv()
        except EOFError:
            raise Bounded("memory") from None  # killed by the limits before it could answer
        if kind != "ok":
            raise Bounded(kind)
        return value
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(5)
        parent.close()
