"""Rows a transaction writes later: queued in the session, then written with one Core
statement per run of alike rows right before the session's next statement or its commit,
whichever comes first, so every query sees them, as with an autoflush, at a fraction of the
unit of work's cost. A rollback forgets them with the rest of the transaction.

Used for what every follow-up writes: its outbox row (storage.outbox.queue) and, once the
courier has delivered the copy, where the copy landed (storage.messages.map_copy)."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from sqlalchemy import Executable, event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

QUEUED = "beatline.deferred"  # in Session.info: (statement, row) pairs, in the order queued


def defer(session: AsyncSession, statement: Executable, row: dict[str, Any]) -> None:
    """Run `statement` with `row` before the session's next statement or commit."""
    session.info.setdefault(QUEUED, []).append((statement, row))


def _write(session: Session) -> None:
    queued: list[tuple[Executable, dict[str, Any]]] = session.info.pop(QUEUED, None) or []
    # One execution (an executemany) per consecutive run of one statement with one set of
    # columns: the order of the rows is kept (an outbox row's id is its place in its chat).
    for (_statement, _columns), run in groupby(
        queued, key=lambda item: (id(item[0]), frozenset(item[1]))
    ):
        rows = list(run)
        session.execute(rows[0][0], [row for _, row in rows])


@event.listens_for(Session, "do_orm_execute")
def _before_statement(state: ORMExecuteState) -> None:
    _write(state.session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    _write(session)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # rolled back, or closed without a commit
        session.info.pop(QUEUED, None)
