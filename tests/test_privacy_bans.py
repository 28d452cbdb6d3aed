"""Bans and the database: a ban made from an anonymous case stops its resident, and a dump of
the database does not say whom it was made against (nothing of a ban is kept on the resident)."""

from __future__ import annotations

from aiogram.types import User
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.ui.desk_keyboards import BanCb
from storage.models import Case
from tests.conftest import CENTRAL, Harness
from tests.helpers import onboard, report
from tests.test_sealed_link import dump


async def ban_from(tg: Harness, officer: User, case: Case) -> None:
    await tg.staff(CENTRAL, case.thread_id, officer, "/ban")
    await tg.feed(
        tg.updates.staff_callback(officer, CENTRAL, BanCb(case_id=case.id, yes=True).pack())
    )


async def test_a_ban_from_an_anonymous_case_leaves_no_trace_on_the_residents_row(
    tg: Harness,
    zoe: User,
    bram: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """Banned from a named case (Bram) and from an anonymous one (Zoë): the residents' rows in
    a dump are what they were before, so no banned resident is left for no named ban to
    explain; and the bans still hold."""
    await onboard(tg, bram)
    await onboard(tg, zoe)
    await report(tg, bram, "Named report")
    await report(tg, zoe, privacy="anonymous")
    async with session_factory() as session:
        cases = (await session.scalars(select(Case).order_by(Case.id))).all()
    before = (await dump(session_factory))["citizen"]

    for case in cases:
        await ban_from(tg, officer, case)

    tables = await dump(session_factory)
    assert [ban["citizen_id"] is None for ban in tables["case_ban"]] == [False, True]
    assert tables["citizen"] == before
    tg.api.clear()
    await tg.send(zoe, "One more thing about it")
    assert "cannot send messages" in tg.api.last("sendMessage", zoe.id).text
    assert tg.api.sent("sendMessage", CENTRAL) == []
