"""ORM queries compiled to SQL once, then run again with new values.

Turning a queryset into SQL costs the ORM far more than running it: the queue page's four
queries spent about 2 ms of its CPU compiling (the volunteer's settings alone 1.1 ms, against
0.1 ms to run the same SQL), on every request, for SQL that never changes but for a user's id.
A ``CompiledQuery`` keeps the ORM as the only author of the SQL (table and column names follow
the models and their migrations; nothing is written by hand) and compiles it once per database
connection: ``build`` is called with stand-in values, the stand-ins are found among the
compiled SQL's parameters, and each later call runs that SQL with the real values in their
places, through the ORM's own converters.

    held = CompiledQuery(
        lambda p: Letter.objects.filter(claimed_by_id=p.user_id, status="in_translation")
        .values_list("reference")
    )
    held(user_id=7)  # [("LB-…",), …]

Values are ints, strings, or lists of them; a list gets its own SQL for each length it comes
in (``language IN (%s, %s)``). ``build`` must use every value it is given as a value only: a
stand-in that does not reach the SQL's parameters, or reaches them in another form, is refused
when the query is compiled (``CompiledQueryError``), so a query that cannot be compiled this
way fails its first test instead of running with a stand-in. tests/core/test_compiled.py
compares every query compiled here with the ORM's own answer."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet

Value = int | str | Sequence[int] | Sequence[str]

# Stand-ins: ints inside a positive 32-bit column's range (the ORM answers a lookup outside a
# field's range without asking the database, which is refused below) and strings no one types,
# each used once per compile.
_INT_BASE = 1_987_000_000
_STR_MARK = "\x1e~compiled-query-stand-in~"


class CompiledQueryError(RuntimeError):
    pass


class _StandIns:
    def __init__(self, values: dict[str, Value]):
        self._counter = itertools.count()
        self.made: dict[Any, tuple[str, int | None]] = {}  # stand-in → (name, index in a list)
        self._values = values
        self.used: set[str] = set()
        self.reached: set[Any] = set()

    def _one(self, name: str, index: int | None, like: Any) -> int | str:
        n = next(self._counter)
        if isinstance(like, bool) or not isinstance(like, int | str):
            raise CompiledQueryError(f"{name}: only ints and strings can be values")
        stand_in: int | str = _INT_BASE + n if isinstance(like, int) else f"{_STR_MARK}{n}"
        self.made[stand_in] = (name, index)
        return stand_in

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in self._values:
            raise AttributeError(name)
        self.used.add(name)
        value = self._values[name]
        if isinstance(value, list | tuple):
            return [self._one(name, i, item) for i, item in enumerate(value)]
        return self._one(name, None, value)


def _shape(values: dict[str, Value]) -> tuple:
    return tuple(
        (name, len(value) if isinstance(value, list | tuple) else None)
        for name, value in sorted(values.items())
    )


class CompiledQuery:
    """``build(p, *shape)`` returns a queryset (``values_list`` for tuples, or model instances are
    refused: they need the ORM's own iterator); ``p.<name>`` is a stand-in for the value
    passed as ``<name>=``. Calling the query returns the rows as ``values_list`` would."""

    def __init__(self, build: Callable[..., QuerySet], *, using: str = "default"):
        self.build = build
        self.using = using
        self.compiles = 0  # how often SQL was made (the tests hold it to once per shape)
        self._local = threading.local()  # a connection is per thread; so is what it compiled

    def _compiled(self, connection, shape: tuple, values: dict[str, Value]):
        cache = getattr(self._local, "by_shape", None)
        if cache is None or getattr(self._local, "connection", None) is not connection:
            cache = self._local.by_shape = {}
            self._local.connection = connection
        key = (shape, _shape(values))
        if key not in cache:
            compiled = self._compile(connection, shape, values)
            if compiled is None:  # nothing to find for these values; not kept
                return None
            cache[key] = compiled
        return cache[key]

    def _compile(self, connection, shape: tuple, values: dict[str, Value]):
        stand_ins = _StandIns(values)
        try:
            queryset = self.build(stand_ins, *shape)
        except (TypeError, ValueError) as error:  # e.g. a stand-in as a slice's bound
            message = f"the query cannot take its values as stand-ins: {error}"
            raise CompiledQueryError(message) from error
        if queryset._iterable_class.__name__ == "ModelIterable":
            raise CompiledQueryError("use values_list(): model instances need the ORM's iterator")
        unused = set(values) - stand_ins.used
        if unused:
            raise CompiledQueryError(f"values not used by the query: {sorted(unused)}")
        compiler = queryset.query.get_compiler(using=self.using, connection=connection)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            # The ORM answers some queries without SQL: ``language__in=[]``, an empty slice.
            # Asked again with the real values: if it answers without SQL for them too, this
            # call finds nothing (not remembered: other values of the shape may find rows).
            # If not, a stand-in changed the query (one outside a small field's range, say).
            real = self.build(SimpleNamespace(**values), *shape)
            try:
                real.query.get_compiler(using=self.using, connection=connection).as_sql()
            except EmptyResultSet:
                return None
            raise CompiledQueryError(
                "the ORM answered without SQL for the stand-ins (a value outside a field's range?)"
            ) from None
        slots: list[tuple[str | None, int | None, Any]] = []
        for param in params:
            if not isinstance(param, bool) and param in stand_ins.made:
                name, index = stand_ins.made[param]
                slots.append((name, index, None))
                stand_ins.reached.add(param)
            elif isinstance(param, str) and _STR_MARK in param:
                raise CompiledQueryError("a string value reached the SQL changed (e.g. in LIKE)")
            else:
                slots.append((None, None, param))  # a constant of the query itself
        if stand_ins.reached != set(stand_ins.made):
            raise CompiledQueryError("a value did not reach the SQL as a parameter")
        fields = [select[0] for select in compiler.select[: compiler.col_count]]
        converters = compiler.get_converters(fields)
        self.compiles += 1
        return sql, slots, compiler, converters

    def _run(self, sql_of, shape: tuple, values: dict[str, Value]) -> list[tuple] | None:
        connection = connections[self.using]
        compiled = self._compiled(connection, shape, values)
        if compiled is None:
            return None
        sql, slots, compiler, converters = compiled
        params: list[Any] = [
            constant if name is None else values[name] if index is None else values[name][index]  # type: ignore[index]
            for name, index, constant in slots
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql_of(sql), params)
            rows = cursor.fetchall()
        if converters and sql_of is _same:
            rows = list(compiler.apply_converters(rows, converters))
        return [tuple(row) for row in rows]

    def __call__(self, *shape: Any, **values: Value) -> list[tuple]:
        """The rows, as the queryset's ``values_list`` gives them. ``shape``: what ``build``
        takes besides ``p`` that changes the SQL itself (a slice's bounds, a filter used or not);
        each shape is compiled once."""
        return self._run(_same, shape, values) or []

    def count(self, *shape: Any, **values: Value) -> int:
        """How many rows the query gives, counted by the database: ``SELECT COUNT(*)`` around
        it, as the ORM counts a sliced queryset."""
        rows = self._run(_counted, shape, values)
        return rows[0][0] if rows else 0


def _same(sql: str) -> str:
    return sql


def _counted(sql: str) -> str:
    return f"SELECT COUNT(*) FROM ({sql}) AS counted"  # noqa: S608  (SQL the ORM wrote)
