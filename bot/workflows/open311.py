"""Referrals to partners that run an Open311 GeoReport v2 endpoint: the worker that posts the
queued service request after the commit and follows its status (the consent question and the
queueing are in bot.workflows.open311_consent).

The HTTP calls are never made inside a transaction: a request is claimed and committed as
`sending`, posted, and the answer recorded in a new transaction. A failure (endpoint down, a
4xx) puts it back in the queue with backoff, is shown in the case topic once, and loses
nothing. Status changes and their notes go into the case topic; when the partner closes the
request the resident is told, in their language.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from aiogram import Bot
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.domain import audit, open311
from bot.domain.citizens import resident_of_case
from bot.network.schema import Network
from bot.network.standards import Open311
from bot.telegram.outbox import Outbox
from bot.ui.i18n import _, speaking
from bot.ui.texts import fmt
from bot.workflows.georeport import GeoReportClient, GeoReportError, Posted, Status, api_key
from bot.workflows.relay import Relay
from storage.cases import Cases
from storage.models import Case, ServiceRequest
from storage.open311 import ServiceRequests

logger = logging.getLogger(__name__)

ClientFactory = Callable[[Open311], GeoReportClient]
MEDIA_PATH = "/open311/media/"


def request_status_name(status: str) -> str:
    """GeoReport v2's two statuses in the staff language; anything else as the partner sent it."""
    names = {"open": _("open"), "closed": _("closed")}
    return names.get(status, status)


@dataclass(eq=False)
class Open311Worker:
    """Posts queued service requests and follows submitted ones (both woken by a timer)."""

    bot: Bot
    session_factory: async_sessionmaker[AsyncSession]
    i18n: I18n
    network: Network
    clock: Clock
    public_url: str | None = None
    wake: Callable[[], None] = lambda: None
    client: ClientFactory | None = None  # tests pass a fake partner
    env_file: Path | None = Path(".env")

    def _client(self, desk_code: str) -> GeoReportClient:
        """The partner's endpoint; GeoReportError if its desk has none any more."""
        desk = self.network.desks_by_code().get(desk_code)
        if desk is None or desk.open311 is None:
            raise GeoReportError(f"desk {desk_code!r} has no open311 endpoint any more")
        if self.client is not None:
            return self.client(desk.open311)
        return GeoReportClient(desk.open311, api_key(desk.open311, self.env_file))

    async def recover(self) -> None:
        """After a crash, requests caught mid-post go back to the queue."""
        async with self.session_factory() as session:
            if await ServiceRequests(session).recover():
                logger.warning("service requests interrupted mid-post are queued again")
            await session.commit()

    async def send_due(self) -> int:
        """Post every queued request whose time has come; how many the endpoints took."""
        return await self._each(ServiceRequests.due, self._send)

    async def check_statuses(self) -> int:
        """Look up every submitted request that is due; how many changed."""
        return await self._each(ServiceRequests.to_check, self._check)

    async def _each(
        self,
        due: Callable[[ServiceRequests, datetime], Awaitable[list[int]]],
        step: Callable[[int], Awaitable[int]],
    ) -> int:
        """`step` for each request `due` lists now, one after the other; the sum of what they
        return."""
        async with self.session_factory() as session:
            requests = await due(ServiceRequests(session), self.clock.now())
        return sum([await step(request_id) for request_id in requests])

    async def _send(self, request_id: int) -> int:
        async with self.session_factory() as session:
            request = await open311.claim(session, request_id)
            if request is None:
                return 0
            fields = dict(request.fields)
            if request.media_token and self.public_url:
                fields["media_url"] = f"{self.public_url}{MEDIA_PATH}{request.media_token}"
            await session.commit()
        try:
            posted = await self._client(request.desk).post(fields)
        except GeoReportError as exc:
            logger.info("service request %s not taken: %s", request_id, exc.reason)
            await self._record(request_id, failure=exc.reason)
            return 0
        await self._record(request_id, posted=posted)
        return 1

    async def _record(
        self, request_id: int, *, posted: Posted | None = None, failure: str | None = None
    ) -> None:
        now = self.clock.now()
        async with self.session_factory() as session:
            request = await ServiceRequests(session).by_id(request_id)
            if request is None:
                return
            case = await Cases(session).by_id(request.case_id)
            relay = self._relay(session)
            name = self._partner_name(request.desk)
            with relay.staff_language():
                if posted is not None:
                    open311.submitted(request, posted.service_request_id, posted.token, now)
                    text = self._submitted_text(request, name)
                    detail = f"{request.desk}: service request {request.service_request_id or '?'}"
                    if case is not None:
                        await audit.log(session, case, None, "Open311", "open311", now, detail)
                elif open311.failed(request, failure or "", now):
                    text = fmt(
                        _(
                            "⚠️ {partner}'s system did not take the referral yet ({reason}). "
                            "Beatline keeps trying; nothing is lost."
                        ),
                        partner=name,
                        reason=failure or "",
                    )
                else:
                    text = ""
                if text and case is not None:
                    relay.note(case, text)
            await session.commit()
        if text:
            self.wake()

    def _submitted_text(self, request: ServiceRequest, name: str) -> str:
        if request.service_request_id:
            text = fmt(
                _("🏛 Sent to {partner} (Open311) as service request {number}."),
                partner=name,
                number=request.service_request_id,
            )
        else:
            text = fmt(
                _("🏛 Sent to {partner} (Open311); waiting for its request number."),
                partner=name,
            )
        if request.possibly_repeated:
            text += "\n" + _("It may have arrived twice: Beatline restarted while sending it.")
        return text

    async def _check(self, request_id: int) -> int:
        async with self.session_factory() as session:
            request = await ServiceRequests(session).by_id(request_id)
            if request is None:
                return 0
            number, token = request.service_request_id, request.token
        status = None
        try:
            client = self._client(request.desk)
            if number is None and token is not None:
                number = await client.request_id_of(token)
            if number is not None:
                status = await client.status(number)
        except GeoReportError as exc:
            logger.info("status of service request %s unknown: %s", request_id, exc.reason)
        return await self._observe(request_id, number, status)

    async def _observe(self, request_id: int, number: str | None, status: Status | None) -> int:
        now = self.clock.now()
        async with self.session_factory() as session:
            request = await ServiceRequests(session).by_id(request_id)
            if request is None:
                return 0
            request.next_attempt_at = now + open311.STATUS_EVERY
            case = await Cases(session).by_id(request.case_id)
            relay = self._relay(session)
            name = self._partner_name(request.desk)
            lines: list[str] = []
            with relay.staff_language():
                if number is not None and request.service_request_id is None:
                    request.service_request_id = number
                    lines.append(
                        fmt(
                            _("🏛 {partner} gave the referral the request number {number}."),
                            partner=name,
                            number=number,
                        )
                    )
                change = (
                    open311.observe(request, status.status, status.notes, now)
                    if status is not None
                    else None
                )
                if change is not None:
                    lines.append(
                        fmt(
                            _("🏛 {partner}: request {number} is now “{status}”."),
                            partner=name,
                            number=request.service_request_id or "?",
                            status=request_status_name(change.status),
                        )
                    )
                    if change.notes:
                        lines.append(fmt(_("Their notes: {notes}"), notes=change.notes))
            if lines and case is not None:
                relay.note(case, "\n".join(lines))
                if change is not None:
                    detail = f"{request.desk}: {change.status}"
                    await audit.log(session, case, None, "Open311", "open311", now, detail)
                if change is not None and change.closed:
                    await self._tell_closed(session, relay, case, request.desk, change.notes)
            await session.commit()
        if lines:
            self.wake()
        return int(change is not None)

    async def _tell_closed(
        self, session: AsyncSession, relay: Relay, case: Case, desk: str, notes: str | None
    ) -> None:
        citizen = await resident_of_case(session, case)
        if citizen is None or citizen.blocked_bot:
            return
        language = citizen.language or self.network.default_language
        with speaking(self.i18n, language):
            name = self._partner_name(desk, language)
            text = fmt(
                _("{partner} has finished their work on your report {ref}."),
                partner=name,
                ref=case.ref,
            )
            if notes:
                text += "\n" + fmt(_("Their notes: {notes}"), notes=notes)
        relay.tell_citizen(citizen, text, case=case)

    def _relay(self, session: AsyncSession) -> Relay:
        return Relay(session, Outbox(session, self.bot, self.clock), self.i18n, self.network)

    def _partner_name(self, code: str, language: str | None = None) -> str:
        desk = self.network.desks_by_code().get(code)
        fallback = self.network.default_language
        return desk.name(language or fallback, fallback) if desk else code
