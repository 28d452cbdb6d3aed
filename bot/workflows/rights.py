"""Data documents: a resident's own data (/mydata) and the coordinators' audit export. Both
are queued as documents in the outbox; a document to a resident is dropped from the outbox once
it was sent (storage.outbox)."""

from __future__ import annotations

import json
from datetime import datetime

from aiogram.methods import SendDocument
from aiogram.types import BufferedInputFile
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import audit, personal_data
from bot.domain.stats import Period
from bot.telegram.outbox import Outbox
from bot.ui.i18n import _, n_
from bot.ui.rights import MYDATA_FILE, audit_csv, mydata_summary
from bot.ui.texts import fmt
from bot.workflows.relay import Relay
from storage.models import Citizen


async def send_my_data(
    relay: Relay, session: AsyncSession, citizen: Citizen, language: str, now: datetime
) -> None:
    """The readable summary, then the JSON document with everything, to the resident."""
    exported = await personal_data.export(session, citizen, relay.network, language, now)
    body = json.dumps(exported.document, ensure_ascii=False, indent=2).encode("utf-8")
    relay.tell_citizen(citizen, mydata_summary(citizen, exported.summary, relay.network, language))
    document = SendDocument(
        chat_id=citizen.chat_id,
        document=BufferedInputFile(body, filename=MYDATA_FILE),
        caption=_("Your data in Beatline (JSON)"),
    )
    relay.send_to_citizen(citizen, document)


async def send_audit_export(
    outbox: Outbox,
    session: AsyncSession,
    period: Period,
    chat_id: int,
    thread_id: int | None,
) -> int:
    """The audit trail of `period` as a CSV document to the coordinators; how many events.
    Cases appear by reference, desk and tier: the trail never names a resident."""
    lines = await audit.between(session, period.start, period.end)
    name = f"beatline-audit-{period.first_day.isoformat()}-{period.last_day.isoformat()}.csv"
    caption = fmt(
        n_(
            "Audit trail {first} to {last}: {count} event",
            "Audit trail {first} to {last}: {count} events",
            len(lines),
        ),
        first=period.first_day.isoformat(),
        last=period.last_day.isoformat(),
        count=len(lines),
    )
    outbox.send(
        SendDocument(
            chat_id=chat_id,
            message_thread_id=thread_id,
            document=BufferedInputFile(audit_csv(lines), filename=name),
            caption=caption,
        )
    )
    return len(lines)
