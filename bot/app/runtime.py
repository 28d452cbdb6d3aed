"""Running the bot: one process serving updates on a webhook when WEBHOOK_URL is set, by long
polling otherwise, inside the shared start-up and stop (bot.app.lifecycle)."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from pathlib import Path

from bot.app.lifecycle import Runtime, Shutdown, started
from bot.app.startup import Patience, StopRequested, with_telegram
from bot.config import Settings
from bot.ui.i18n import LOCALES_DIR

logger = logging.getLogger(__name__)


async def run(
    settings: Settings,
    token: str,
    locales: Path = LOCALES_DIR,
    *,
    stop: asyncio.Event | None = None,
    patience: Patience | None = None,
    shutdown: Shutdown | None = None,
) -> None:
    """Serve updates until `stop` is set (or the task is cancelled).

    With a webhook, Telegram posts updates to WEBHOOK_URL with the secret, and the process
    receives them on WEBHOOK_LISTEN; every process of a deployment registers the same webhook,
    Telegram keeps one. Without one, the process polls, and its HTTP server (if any) listens
    on FEEDS_LISTEN.
    """
    hook = webhook_path(settings) if settings.webhook_url else None
    with suppress(StopRequested):
        async with started(
            settings,
            token,
            locales,
            listen=settings.feeds_listen if hook is None else settings.webhook_listen,
            webhook_path=hook,
            patience=patience,
            shutdown=shutdown,
            stop=stop,
        ) as runtime:
            if hook is None:
                await _poll(runtime, stop)
            else:
                await _hook(runtime, settings, hook, stop)


def webhook_path(settings: Settings) -> str:
    assert settings.webhook_url is not None
    return "/" + settings.webhook_url.split("://", 1)[-1].partition("/")[2]


async def _poll(runtime: Runtime, stop: asyncio.Event | None) -> None:
    await with_telegram("deleteWebhook", runtime.bot.delete_webhook, runtime.patience, runtime.nap)
    polling = asyncio.create_task(
        runtime.dp.start_polling(
            runtime.bot,
            allowed_updates=runtime.dp.resolve_used_update_types(),
            handle_signals=False,
            close_bot_session=False,
        ),
        name="polling",
    )
    try:
        await _until(stop, polling)
        if polling.done():
            polling.result()  # polling ended by itself: say why
    finally:
        if not polling.done():
            with suppress(RuntimeError):  # polling had not started yet
                await runtime.dp.stop_polling()
            try:
                await asyncio.wait_for(polling, 5)
            except (TimeoutError, asyncio.CancelledError):
                polling.cancel()
                await asyncio.gather(polling, return_exceptions=True)


async def _hook(
    runtime: Runtime, settings: Settings, path: str, stop: asyncio.Event | None
) -> None:
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    secret = settings.webhook_secret.get_secret_value()

    async def register() -> bool:
        return await runtime.bot.set_webhook(
            settings.webhook_url or "",
            secret_token=secret,
            allowed_updates=runtime.dp.resolve_used_update_types(),
        )

    await with_telegram("setWebhook", register, runtime.patience, runtime.nap)
    logger.info("webhook listening on %s%s", settings.webhook_listen, path)
    await _until(stop)


async def _until(stop: asyncio.Event | None, work: asyncio.Task[None] | None = None) -> None:
    """Until `stop` is set (or `work` ends); forever when there is neither."""
    waiters: list[asyncio.Future[object]] = []
    if stop is not None:
        waiters.append(asyncio.ensure_future(stop.wait()))
    if work is not None:
        waiters.append(work)  # type: ignore[arg-type]
    if not waiters:
        await asyncio.Event().wait()
        return
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            if waiter is not work:
                waiter.cancel()
