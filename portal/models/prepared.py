"""Queries whose SQL is written once and run again with new parameters.

Peewee writes a query's SQL text anew on every call, walking the whole expression tree: 0.1–0.2 ms per
query, a third of the Python time of a cell save, which runs a dozen of them on every tap of a teacher's
phone. `Prepared(build)` calls `build` once per kind of database with a placeholder for each parameter,
keeps the SQL text and where each placeholder landed, and afterwards only fills the parameters in, each
converted as peewee would have converted it (the field's db_value: a model instance becomes its id, text
is cleaned). The rows come back as the same model objects as from the query itself.
"""
import threading

from peewee import Value

from portal.db import db


class _Slot(Value):
    """A parameter's place: remembers the converter peewee applies at that place (the compared field's)."""

    def __init__(self, index: int):
        super().__init__(None, converter=False, unpack=False)
        self.index = index
        self.convert = None

    def __sql__(self, ctx):
        self.convert = ctx.state.converter
        ctx._values.append(self)
        return ctx.literal(ctx.state.param or "?")


class Prepared:
    def __init__(self, build):
        self.build = build
        self._compiled: dict = {}
        self._lock = threading.Lock()

    def _compile(self, count: int):
        key = (type(db.obj), count)
        hit = self._compiled.get(key)
        if hit is None:
            with self._lock:
                slots = [_Slot(i) for i in range(count)]
                query = self.build(*slots)
                sql, params = db.get_sql_context().sql(query).query()
                hit = self._compiled[key] = (query, sql, list(params))
        return hit

    def rows(self, *args) -> list:
        query, sql, template = self._compile(len(args))
        params = [(p.convert(args[p.index]) if p.convert else args[p.index]) if isinstance(p, _Slot) else p
                  for p in template]
        return list(query._get_cursor_wrapper(db.execute_sql(sql, params)))

    def first(self, *args):
        rows = self.rows(*args)
        return rows[0] if rows else None
