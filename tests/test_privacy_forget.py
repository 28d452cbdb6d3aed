"""/forget and anonymous cases: the link to the resident goes at once, but nothing the desk
sees or the audit trail records happens to an anonymous case at the moment the resident's
named cases are erased; the next retention sweep pseudonymises it like any other."""

from __future__ import annotations

import csv
import io

from aiogram.types import User
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.network.schema import Network
from bot.ui.keyboards import ForgetCb
from bot.workflows.erasure import RetentionSweep
from storage.models import Case, CaseSeal
from tests.conftest import CENTRAL, COORDINATORS, Harness
from tests.fakes import FakeClock
from tests.helpers import onboard, report

ERASED_NOTE = "The resident erased their data; this case can no longer be answered."


async def cases(factory: async_sessionmaker[AsyncSession]) -> list[Case]:
    async with factory() as session:
        return list((await session.scalars(select(Case).order_by(Case.id))).all())


async def named_then_anonymous(
    tg: Harness, zoe: User, clock: FakeClock, factory: async_sessionmaker[AsyncSession]
) -> tuple[Case, Case]:
    """Zoë's named report, and two days later an anonymous one; three days on she /forgets."""
    await onboard(tg, zoe)
    await report(tg, zoe, "Named report", privacy="identified")
    clock.advance(days=2)
    await report(tg, zoe, "Anonymous report", privacy="anonymous")
    named, anonymous = await cases(factory)
    clock.advance(days=3)
    tg.api.clear()
    await tg.send(zoe, "/forget")
    await tg.press(zoe, ForgetCb(sure=True))
    return named, anonymous


async def audit_rows(tg: Harness) -> list[dict[str, str]]:
    coordinator = User(id=777, is_bot=False, first_name="Coco")
    await tg.staff(COORDINATORS, None, coordinator, "/audit_export")
    [(_name, data)] = tg.api.last("sendDocument", COORDINATORS).uploads.values()
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


async def test_forget_tells_the_desk_nothing_in_an_anonymous_case_and_the_sweep_finishes_it(
    tg: Harness,
    zoe: User,
    clock: FakeClock,
    network: Network,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    named, anonymous = await named_then_anonymous(tg, zoe, clock, session_factory)

    to_desk = tg.api.sent(chat_id=CENTRAL)
    assert [c.thread_id for c in to_desk if c.text == ERASED_NOTE] == [named.thread_id]
    assert [c for c in to_desk if c.thread_id == anonymous.thread_id] == []
    assert [c for c in to_desk if anonymous.ref in (c.text or "")] == []
    assert [(r["case"], r["action"]) for r in await audit_rows(tg)] == [(named.ref, "erased")]
    async with session_factory() as session:
        assert (await session.scalars(select(CaseSeal))).all() == []
    _named, unlinked = await cases(session_factory)
    assert unlinked.citizen_id is None and unlinked.pseudonymised_at is None

    clock.advance(minutes=40)
    tg.api.clear()
    assert (await RetentionSweep(session_factory, network, clock).run()).cases == 1

    assert tg.api.sent(chat_id=CENTRAL) == []
    rows = {r["case"]: r for r in await audit_rows(tg) if r["action"] != "erased"}
    assert list(rows) == [anonymous.ref] and rows[anonymous.ref]["action"] == "pseudonymised"
    erased = next(r for r in await audit_rows(tg) if r["action"] == "erased")
    when = [key for key in erased if "time" in key or "when" in key]
    assert when and erased[when[0]] != rows[anonymous.ref][when[0]]
    assert (await RetentionSweep(session_factory, network, clock).run()).cases == 0


async def test_staff_answering_an_anonymous_case_whose_resident_erased_their_data_are_told(
    tg: Harness,
    zoe: User,
    officer: User,
    clock: FakeClock,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """Before the sweep the case is still open, but leads to nobody: nothing is sent, the
    officer is told so and can close it."""
    _named, anonymous = await named_then_anonymous(tg, zoe, clock, session_factory)
    tg.api.clear()

    await tg.staff(CENTRAL, anonymous.thread_id, officer, "Are you still there?")
    assert "can no longer be answered" in tg.api.last("sendMessage", CENTRAL).text
    await tg.staff(CENTRAL, anonymous.thread_id, officer, "/take")
    assert "can no longer be answered" in tg.api.last("sendMessage", CENTRAL).text
    await tg.staff(CENTRAL, anonymous.thread_id, officer, "/close Nobody to answer")
    assert "Closed by" in tg.api.last("sendMessage", CENTRAL).text
    assert tg.api.sent(chat_id=zoe.id) == []
    assert [case.status for case in await cases(session_factory)] == ["closed", "closed"]
