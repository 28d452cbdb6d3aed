"""Retention (network.toml `[retention]`): the hourly sweep pseudonymises cases closed longer
than the period, in batches, forgets who got old alerts (keeping the counts) and the proofs of
old updates; the periods are checked when the network file is read. Time is the fake clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiogram.types import User
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.kinds import DeliveryStatus
from bot.network.base import NetworkError
from bot.network.schema import Network, parse_network
from bot.workflows.erasure import RetentionSweep
from storage.models import (
    Announcement,
    AuditEvent,
    Case,
    Citizen,
    Delivery,
    Occurrence,
    ProcessedUpdate,
)
from tests.conftest import CENTRAL, NETWORK, Harness
from tests.fakes import FakeClock
from tests.helpers import onboard, report
from tests.test_rights import report_with_a_point


async def cases(factory: async_sessionmaker[AsyncSession]) -> list[Case]:
    async with factory() as session:
        return list((await session.scalars(select(Case).order_by(Case.id))).all())


def sweep(
    factory: async_sessionmaker[AsyncSession], network: Network, clock: FakeClock, batch: int = 200
) -> RetentionSweep:
    return RetentionSweep(factory, network, clock, batch=batch)


async def test_a_closed_case_is_pseudonymised_once_the_period_has_passed(
    tg: Harness,
    alice: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
    network: Network,
    clock: FakeClock,
) -> None:
    await onboard(tg, alice)
    await report_with_a_point(tg, alice, "Car broken into")
    await report(tg, alice, "Still open, and old")
    closed, still_open = await cases(session_factory)
    await tg.staff(CENTRAL, closed.thread_id, officer, "/close Thief caught")
    retention = sweep(session_factory, network, clock)

    clock.advance(days=179)
    assert (await retention.run()).cases == 0
    await tg.send(alice, "/cases")
    assert closed.ref in tg.api.last("sendMessage", alice.id).text

    clock.advance(days=2)
    assert (await retention.run()).cases == 1

    swept, untouched = await cases(session_factory)
    assert swept.citizen_id is None and swept.pseudonymised_at == clock.now()
    assert swept.location_rounded and (swept.latitude, swept.longitude) != (52.0907, 5.1214)
    assert swept.outcome == "Thief caught" and swept.description == "Car broken into"
    assert untouched.citizen_id is not None and untouched.pseudonymised_at is None
    await tg.send(alice, "/cases")
    listed = tg.api.last("sendMessage", alice.id).text
    assert closed.ref not in listed and still_open.ref in listed
    async with session_factory() as session:
        actions = (await session.scalars(select(AuditEvent.action))).all()
    assert "pseudonymised" in actions
    assert (await retention.run()).cases == 0  # done once


async def test_the_sweep_works_through_many_cases_in_batches(
    tg: Harness,
    alice: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
    network: Network,
    clock: FakeClock,
) -> None:
    await onboard(tg, alice)
    for number in range(5):
        await report(tg, alice, f"Report {number}")
    for case in await cases(session_factory):
        await tg.staff(CENTRAL, case.thread_id, officer, "/close Done")
    clock.advance(days=181)

    swept = await sweep(session_factory, network, clock, batch=2).run()

    assert swept.cases == 5
    assert all(case.pseudonymised_at for case in await cases(session_factory))


async def test_old_alert_deliveries_forget_who_got_them_and_keep_the_counts(
    tg: Harness,
    alice: User,
    session_factory: async_sessionmaker[AsyncSession],
    network: Network,
    clock: FakeClock,
) -> None:
    await onboard(tg, alice)
    sent_at = clock.now()
    async with session_factory() as session:
        citizen = await session.scalar(select(Citizen))
        assert citizen is not None
        announcement = Announcement(texts={"en": "Watch out"}, created_at=sent_at)
        session.add(announcement)
        await session.flush()
        occurrence = Occurrence(announcement_id=announcement.id, due_at=sent_at)
        session.add(occurrence)
        await session.flush()
        for status in (DeliveryStatus.SENT, DeliveryStatus.PENDING):
            session.add(
                Delivery(
                    occurrence_id=occurrence.id,
                    citizen_id=citizen.id,
                    chat_id=citizen.chat_id if status == DeliveryStatus.SENT else 1,
                    language="en",
                    not_before=sent_at,
                    status=status,
                    sent_at=sent_at,
                    feedback="useful",
                )
            )
        await session.commit()
    retention = sweep(session_factory, network, clock)

    clock.advance(days=29)
    assert (await retention.run()).deliveries == 0
    clock.advance(days=2)
    assert (await retention.run()).deliveries == 1

    async with session_factory() as session:
        sent, pending = (await session.scalars(select(Delivery).order_by(Delivery.id))).all()
    assert (sent.citizen_id, sent.chat_id) == (None, -sent.id)
    assert (sent.status, sent.feedback) == (DeliveryStatus.SENT, "useful")  # still counted
    assert pending.citizen_id is not None  # not finished: not due


async def test_proofs_of_handled_updates_go_after_their_period(
    tg: Harness,
    alice: User,
    session_factory: async_sessionmaker[AsyncSession],
    network: Network,
    clock: FakeClock,
) -> None:
    await onboard(tg, alice)
    retention = sweep(session_factory, network, clock)

    async def proofs() -> int:
        async with session_factory() as session:
            return int(
                await session.scalar(select(func.count()).select_from(ProcessedUpdate)) or 0
            )

    before = await proofs()
    clock.advance(days=6)
    await retention.run()
    assert await proofs() == before > 0
    clock.advance(days=2)
    await retention.run()
    assert await proofs() == 0


async def test_periods_come_from_the_network_file(
    tg: Harness,
    alice: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    short = parse_network(NETWORK + "\n[retention]\nclosed_cases_days = 10\n")
    await onboard(tg, alice)
    await report(tg, alice)
    [case] = await cases(session_factory)
    await tg.staff(CENTRAL, case.thread_id, officer, "/close Done")
    clock.advance(days=11)

    assert (await sweep(session_factory, short, clock).run()).cases == 1


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("closed_cases_days = 0", "retention.closed_cases_days"),
        ("update_proofs_days = 1", "retention.update_proofs_days"),
        ("keep_forever = true", "retention.keep_forever"),
    ],
)
def test_retention_settings_are_checked_and_named(setting: str, message: str) -> None:
    with pytest.raises(NetworkError, match=message):
        parse_network(NETWORK + f"\n[retention]\n{setting}\n")


def test_the_defaults_are_the_documented_ones() -> None:
    retention = parse_network(NETWORK).retention
    assert retention.closed_cases_days == 180
    assert retention.update_proofs_days == 7
    assert retention.alert_deliveries_days == 30
    assert retention.drafts == timedelta(days=1)
