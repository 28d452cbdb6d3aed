"""/stats's referrals per partner and status come from a tally the database keeps per UTC day
and desk (migration 0015's triggers on `referral` and `case`): it follows an answer, a
transfer of the case, and the deletion of a referral or of its case, and the referrals
between the period's local midnights and the nearest UTC midnights are counted from the
referrals, to the microsecond. Worked out by hand from the moments below."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.stats import month_period
from bot.kinds import ReferralStatus
from storage.models import Case, Referral
from storage.statistics import Statistics
from tests.conftest import PARTNER
from tests.stats_data import ZONE
from tests.test_stats_counting import case, store

NOVEMBER = month_period(2026, 11, ZONE)  # from 31 October 23:00 UTC to 30 November 23:00 UTC
TICK = timedelta(microseconds=1)
PROPOSED, ACCEPTED, DECLINED = (s.value for s in ReferralStatus)


def referral(case_id: int, created: datetime, status: ReferralStatus, partner: str) -> Referral:
    return Referral(
        case_id=case_id,
        partner=partner,
        partner_chat_id=PARTNER,
        status=status,
        created_at=created,
    )


async def test_the_tally_follows_answers_transfers_and_deletions(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    cases = [case(n, datetime(2026, 11, 10, 9, tzinfo=UTC)) for n in range(4)]
    await store(session_factory, cases)
    moments = [
        NOVEMBER.start - TICK,  # before the period
        NOVEMBER.start,
        datetime(2026, 11, 12, 9, tzinfo=UTC),  # answered below
        datetime(2026, 11, 13, 9, tzinfo=UTC),  # deleted below
        datetime(2026, 11, 14, 9, tzinfo=UTC),  # its case is transferred below
        datetime(2026, 11, 15, 9, tzinfo=UTC),  # its case is deleted below
        NOVEMBER.end - TICK,
        NOVEMBER.end,  # after the period
    ]
    owners = [0, 0, 0, 0, 1, 2, 3, 3]
    partners = ["housing"] * 6 + ["energy"] * 2
    async with session_factory() as session:
        session.add_all(
            referral(cases[owner].id, moment, ReferralStatus.PROPOSED, partner)
            for owner, moment, partner in zip(owners, moments, partners, strict=True)
        )
        await session.commit()
    async with session_factory() as session:
        answered = await session.get(Referral, await _id(session, moments[2]))
        gone = await session.get(Referral, await _id(session, moments[3]))
        transferred = await session.get(Case, cases[1].id)
        deleted = await session.get(Case, cases[2].id)
        assert answered and gone and transferred and deleted
        answered.status = ReferralStatus.ACCEPTED
        await session.delete(gone)
        transferred.desk = "east"
        await session.flush()
        await session.delete(deleted)
        await session.commit()
    async with session_factory() as session:
        stats = Statistics(session)
        everyone = await stats.referrals_made(None, NOVEMBER.start, NOVEMBER.end)
        central = await stats.referrals_made(["central"], NOVEMBER.start, NOVEMBER.end)
        housing = await stats.referrals_received("housing", NOVEMBER.start, NOVEMBER.end)
    assert everyone == {
        ("housing", PROPOSED): 2,  # at the start (central), the transferred case's (east)
        ("housing", ACCEPTED): 1,
        ("energy", PROPOSED): 1,  # at the last moment
    }
    assert central == {("housing", PROPOSED): 1, ("housing", ACCEPTED): 1, ("energy", PROPOSED): 1}
    assert housing == {("housing", ACCEPTED): 1}


async def _id(session: AsyncSession, created: datetime) -> int:
    found = await session.scalar(select(Referral.id).where(Referral.created_at == created))
    assert found is not None
    return found
