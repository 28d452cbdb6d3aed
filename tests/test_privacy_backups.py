"""Two backups of the database, taken before and after an anonymous report, do not point at
its reporter by what changed between them: the reporter's sealed list of anonymous cases
changes, and so do those of other residents, sealed again unchanged (storage/seals.py)."""

from __future__ import annotations

from aiogram.types import User
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.sealing import Sealer
from storage.seals import DECOYS
from tests.conftest import ANONYMITY_KEY, Harness
from tests.helpers import onboard, report
from tests.test_sealed_link import dump


async def sealed_lists(factory: async_sessionmaker[AsyncSession]) -> dict[int, tuple[int, str]]:
    """Each resident's sealed list as a backup holds it (with their row id), by Telegram id."""
    return {
        row["telegram_id"]: (row["id"], row["sealed_cases"])
        for row in (await dump(factory))["citizen"]
    }


def opened(sealed: tuple[int, str]) -> set[int]:
    row_id, token = sealed
    return Sealer.from_text(ANONYMITY_KEY).unseal_case_ids(token, row_id)


def resident(number: int) -> User:
    return User(id=5000 + number, is_bot=False, first_name=f"R{number}", language_code="en")


async def test_an_anonymous_report_changes_other_residents_lists_too(
    tg: Harness, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    residents = [resident(n) for n in range(DECOYS + 5)]
    for person in residents:
        await onboard(tg, person)
    reporter = residents[7]
    before = await sealed_lists(session_factory)

    await report(tg, reporter, privacy="anonymous")

    after = await sealed_lists(session_factory)
    changed = {who for who in after if after[who] != before[who]}
    assert reporter.id in changed
    assert len(changed) == DECOYS + 1  # the reporter is one of many
    # Only the reporter's list holds something new; the others open to what they held.
    assert [who for who in after if opened(after[who]) != opened(before[who])] == [reporter.id]


async def test_with_two_residents_a_backup_cannot_tell_which_one_reported(
    tg: Harness, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    first, second = resident(1), resident(2)
    await onboard(tg, first)
    await onboard(tg, second)
    before = await sealed_lists(session_factory)

    await report(tg, second, privacy="anonymous")

    after = await sealed_lists(session_factory)
    assert {who for who in after if after[who] != before[who]} == {first.id, second.id}
