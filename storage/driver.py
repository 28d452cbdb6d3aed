"""Statements run on the database driver itself, below SQLAlchemy's execution layer.

For the one path that runs for nearly every update a resident sends (a plain follow-up, see
storage.express): through a session a statement costs about 100 to 250 µs of Python on top of
the driver's 20 to 50. A `Prepared` statement is compiled once by SQLAlchemy from the same
tables and columns as everywhere else, with the same type conversions (UTC datetimes, JSON),
and then runs on the driver connection: sqlite3 on the event loop (storage.sqlite), or asyncpg.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, Insert, Select, Table
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.sql.schema import ScalarElementColumnDefault

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class Prepared:
    """A statement compiled once for a dialect: its SQL, its parameters in order, and how
    values cross to and from the driver (as SQLAlchemy would convert them)."""

    sql: str
    names: tuple[str, ...]
    binds: tuple[Processor, ...]
    defaults: Mapping[str, Any]
    columns: tuple[str, ...]
    converted: tuple[tuple[str, Callable[[Any], Any]], ...]  # the result columns to convert

    @classmethod
    def of(
        cls, statement: Select[Any] | Insert, dialect: Dialect, keys: Sequence[str] = ()
    ) -> Prepared:
        """`statement`: a SELECT of columns, or an INSERT of the columns `keys` (the others
        get their default)."""
        compiled = statement.compile(dialect=dialect, column_keys=list(keys) or None)
        names = tuple(compiled.positiontup or ())
        binds = tuple(_bind(compiled.binds[name].type, dialect) for name in names)
        defaults: dict[str, Any] = {}
        for name in names:
            bound = compiled.binds[name]
            if not callable(bound.value):
                defaults[name] = bound.value
        if isinstance(statement, Insert):
            table = statement.table
            assert isinstance(table, Table)
            for name in names:
                default = table.c[name].default if name in table.c else None
                if isinstance(default, ScalarElementColumnDefault):
                    defaults[name] = default.arg
        columns: tuple[str, ...] = ()
        converted: list[tuple[str, Callable[[Any], Any]]] = []
        if isinstance(statement, Select):
            selected = list(statement.selected_columns)
            columns = tuple(str(column.key) for column in selected)
            for name, column in zip(columns, selected, strict=True):
                convert = _result(column, dialect)
                if convert is not None:
                    converted.append((name, convert))
        return cls(compiled.string, names, binds, defaults, columns, tuple(converted))

    def parameters(self, values: Mapping[str, Any]) -> list[Any]:
        """The driver's positional parameters for `values` (missing ones: the column default,
        else NULL)."""
        out = []
        for name, bind in zip(self.names, self.binds, strict=True):
            value = values[name] if name in values else self.defaults.get(name)
            # None too, as SQLAlchemy does: a JSON column stores it as JSON null, not NULL.
            out.append(bind(value) if bind is not None else value)
        return out

    def record(self, row: Sequence[Any]) -> dict[str, Any]:
        """A result row as {column: value}, converted as SQLAlchemy would."""
        record = dict(zip(self.columns, row, strict=True))
        for name, convert in self.converted:
            value = record[name]
            if value is not None:
                record[name] = convert(value)
        return record


def _bind(kind: Any, dialect: Dialect) -> Processor:
    processor: Processor = kind.dialect_impl(dialect).bind_processor(dialect)
    return processor


def _result(column: Any, dialect: Dialect) -> Processor:
    kind = column.type.dialect_impl(dialect)
    if isinstance(kind, Float):
        # Its processor wants the type code of a result's column; both drivers return floats.
        return None
    processor: Processor = kind.result_processor(dialect, None)
    return processor
