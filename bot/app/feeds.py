"""What the bot's HTTP server publishes besides the webhook: the CAP 1.2 alert feed
(`/cap/alerts.atom`, `/cap/<id>.xml`) and the photo links of Open311 service requests
(`/open311/media/<token>`). `add_routes` puts them on any aiohttp application: the webhook
server's, or the small one polling mode starts on FEEDS_LISTEN (see bot.app.http_server)."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.domain import open311
from bot.domain.cap.document import CAP_MEDIA_TYPE
from bot.domain.cap.feed import atom_feed
from bot.network.schema import Network
from bot.workflows.open311 import MEDIA_PATH
from storage.cap import CapMessages

logger = logging.getLogger(__name__)

ATOM_TYPE = "application/atom+xml"
PHOTO_TYPE = "image/jpeg"  # Telegram stores photos as JPEG


@dataclass(eq=False)
class Feeds:
    """The request handlers; each reads the database in a short session of its own."""

    session_factory: async_sessionmaker[AsyncSession]
    network: Network
    clock: Clock
    bot: Bot | None = None
    public_url: str | None = None

    def _base(self, request: web.Request) -> str:
        # Behind a reverse proxy the request's own address is the inner one: PUBLIC_URL wins.
        return self.public_url or f"{request.scheme}://{request.host}"

    async def alerts(self, request: web.Request) -> web.Response:
        now = self.clock.now()
        async with self.session_factory() as session:
            messages = await CapMessages(session).current(now)
        title = self.network.cap.sender_name or "Beatline alerts"
        body = atom_feed(messages, base_url=self._base(request), title=title, now=now)
        return web.Response(text=body, content_type=ATOM_TYPE, charset="utf-8")

    async def message(self, request: web.Request) -> web.Response:
        try:
            number = int(request.match_info["number"])
        except ValueError as exc:
            raise web.HTTPNotFound from exc
        async with self.session_factory() as session:
            found = await CapMessages(session).by_id(number)
        if found is None:
            raise web.HTTPNotFound
        return web.Response(text=found.xml, content_type=CAP_MEDIA_TYPE, charset="utf-8")

    async def media(self, request: web.Request) -> web.Response:
        """A resident's photo for the partner they agreed to send it to, while the request is
        open; the token in the link is the only key."""
        async with self.session_factory() as session:
            file_id = await open311.media(session, request.match_info["token"])
        if file_id is None or self.bot is None:
            raise web.HTTPNotFound
        buffer = io.BytesIO()
        try:
            await self.bot.download(file_id, destination=buffer)
        except TelegramAPIError as exc:
            logger.warning("a service request's photo could not be fetched: %s", exc)
            raise web.HTTPBadGateway from exc
        return web.Response(body=buffer.getvalue(), content_type=PHOTO_TYPE)


def add_routes(app: web.Application, feeds: Feeds) -> None:
    app.router.add_get("/cap/alerts.atom", feeds.alerts)
    app.router.add_get("/cap/{number}.xml", feeds.message)
    app.router.add_get(MEDIA_PATH + "{token}", feeds.media)
