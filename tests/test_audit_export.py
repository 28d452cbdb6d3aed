"""/audit_export: the coordinators get the audit trail of a period as a CSV document; it names
cases by reference and staff by name, never the resident behind an anonymous case."""

from __future__ import annotations

import csv
import io

import pytest
from aiogram.types import User
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.network.schema import Network, parse_network
from bot.ui.keyboards import SolvedCb, SolvedSureCb
from storage.models import Case
from tests.conftest import CENTRAL, COORDINATORS, NETWORK, Harness
from tests.fakes import Call, FakeClock
from tests.helpers import onboard, report

LISTED_COORDINATOR = 778


@pytest.fixture
def zoe() -> User:
    return User(id=7391046285, is_bot=False, first_name="Zoë", username="zq_secret")


def table(call: Call) -> list[dict[str, str]]:
    [(name, data)] = call.uploads.values()
    assert name is not None and name.startswith("beatline-audit-") and name.endswith(".csv")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


async def cases(factory: async_sessionmaker[AsyncSession]) -> list[Case]:
    async with factory() as session:
        return list((await session.scalars(select(Case).order_by(Case.id))).all())


async def test_the_audit_trail_of_a_period_arrives_as_csv_without_the_resident(
    tg: Harness,
    zoe: User,
    officer: User,
    coordinator: User,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await onboard(tg, zoe)
    await report(tg, zoe, privacy="anonymous")
    await report(tg, zoe, "Second, named", privacy="identified")
    anonymous, named = await cases(session_factory)
    await tg.staff(CENTRAL, anonymous.thread_id, officer, "/take")
    await tg.staff(CENTRAL, anonymous.thread_id, officer, "// looks like the same van")
    await tg.press(zoe, SolvedCb(case_id=named.id))
    await tg.press(zoe, SolvedSureCb(case_id=named.id, yes=True))

    await tg.staff(COORDINATORS, None, coordinator, "/audit_export")

    upload = tg.api.last("sendDocument", COORDINATORS)
    assert upload.params["caption"].startswith("Audit trail 2026-02-04 to 2026-03-05: 3 events")
    rows = table(upload)
    assert [(row["case"], row["action"]) for row in rows] == [
        (anonymous.ref, "take"),
        (anonymous.ref, "note"),
        (named.ref, "close"),
    ]
    assert rows[0]["actor"] == officer.full_name and rows[0]["privacy"] == "anonymous"
    assert rows[1]["detail"] == "// looks like the same van"
    assert rows[2]["actor"] == "citizen" and rows[2]["actor_id"] == ""
    everything = "".join(str(row) for row in rows)
    assert str(zoe.id) not in everything and "zq_secret" not in everything
    assert "Zoë" not in everything


async def test_a_month_or_two_days_choose_the_period(
    tg: Harness,
    zoe: User,
    officer: User,
    coordinator: User,
    clock: FakeClock,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await onboard(tg, zoe)
    await report(tg, zoe)
    [case] = await cases(session_factory)
    await tg.staff(CENTRAL, case.thread_id, officer, "/take")  # 2026-03-05

    await tg.staff(COORDINATORS, None, coordinator, "/audit_export 2026-02")
    assert table(tg.api.last("sendDocument", COORDINATORS)) == []
    await tg.staff(COORDINATORS, None, coordinator, "/audit_export 2026-03")
    assert len(table(tg.api.last("sendDocument", COORDINATORS))) == 1
    await tg.staff(COORDINATORS, None, coordinator, "/audit_export 2026-03-05 2026-03-05")
    assert len(table(tg.api.last("sendDocument", COORDINATORS))) == 1
    await tg.staff(COORDINATORS, None, coordinator, "/audit_export last week")
    refusal = tg.api.last("sendMessage", COORDINATORS).text
    assert refusal.startswith("I could not read that period. Use /audit_export for the last")


async def test_audit_export_is_only_for_the_coordinators_group(
    tg: Harness, officer: User, zoe: User
) -> None:
    await onboard(tg, zoe)

    await tg.staff(CENTRAL, None, officer, "/audit_export")
    await tg.send(zoe, "/audit_export")

    assert tg.api.sent("sendDocument") == []


class TestWithACoordinatorsAllowList:
    @pytest.fixture
    def network(self) -> Network:
        listed = f'coordinators_staff = {{ who = "ids", ids = [{LISTED_COORDINATOR}] }}\n'
        return parse_network(listed + NETWORK)

    async def test_someone_in_the_group_who_is_not_listed_gets_nothing(
        self, tg: Harness, coordinator: User
    ) -> None:
        await tg.staff(COORDINATORS, None, coordinator, "/audit_export")
        assert tg.api.sent("sendDocument") == []

        listed = User(id=LISTED_COORDINATOR, is_bot=False, first_name="Lis")
        await tg.staff(COORDINATORS, None, listed, "/audit_export")
        assert tg.api.sent("sendDocument", COORDINATORS)
