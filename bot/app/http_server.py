"""The process's HTTP server: /healthz, /readyz and /metrics (bot.app.ops), the CAP feeds
(bot.app.feeds) and, in webhook mode, the endpoint Telegram posts updates to."""

from __future__ import annotations

import logging
import secrets

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.app import feeds as feed_routes
from bot.app import ops as ops_routes
from bot.app.feeds import Feeds
from bot.app.ops import Ops
from bot.app.startup import StartupError
from bot.config import Settings

logger = logging.getLogger(__name__)


async def serve_http(
    listen: str | None,
    ops: Ops,
    feeds: Feeds,
    dp: Dispatcher,
    bot: Bot,
    settings: Settings,
    webhook_path: str | None,
    grace: float,
) -> web.AppRunner | None:
    """The server on `listen` (none when it is None); a stop waits `grace` seconds for the
    posts being handled."""
    if listen is None:
        return None
    app = web.Application()
    ops_routes.add_routes(app, ops)
    feed_routes.add_routes(app, feeds)
    if webhook_path is not None:
        assert settings.webhook_secret is not None
        secret = settings.webhook_secret.get_secret_value()
        # Answered after the update's commit: a process killed mid-update never said 200, so
        # Telegram sends the update again (to any process) and the update claim keeps it once.
        SecretChecked(
            dispatcher=dp, bot=bot, secret_token=secret, handle_in_background=False
        ).register(app, path=webhook_path)
    runner = web.AppRunner(app, shutdown_timeout=grace)
    await runner.setup()
    host, _, port = listen.rpartition(":")
    try:
        await web.TCPSite(runner, host or "127.0.0.1", int(port)).start()
    except OSError as exc:
        await runner.cleanup()
        msg = f"cannot listen on {listen}: {exc.strerror or exc}"
        raise StartupError(msg) from exc
    logger.info("HTTP server on %s (/healthz, /readyz, /metrics)", listen)
    return runner


class SecretChecked(SimpleRequestHandler):
    """aiogram's webhook handler, with the secret header compared as bytes: a header that is
    not ASCII (Telegram never sends one) is a wrong secret, answered 401, not a 500 from
    `secrets.compare_digest`, which takes ASCII strings only."""

    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        if not self.secret_token:
            return True
        # aiohttp decodes header bytes as UTF-8, keeping undecodable ones as surrogates.
        given = telegram_secret_token.encode("utf-8", "surrogateescape")
        return secrets.compare_digest(given, self.secret_token.encode())
