"""The express lane's place in the dispatcher: first after the metrics, it hands a plain
follow-up to bot.workflows.express and everything else (or anything that turns out not to be
plain) to the full path, as if it had not been there."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import TelegramObject, Update

from bot.workflows.express import Express
from handlers.middlewares import Handler
from handlers.pending_state import held_back
from handlers.transaction import after_commit, save_state
from storage.express import ConnectionLostError

logger = logging.getLogger(__name__)

EXPRESS_LANE = "express_lane"  # the lane in the dispatcher's data


class ExpressLane(BaseMiddleware):
    """Plain follow-ups through the express lane; the rest on to the full path."""

    def __init__(self, express: Express, wake: Callable[[], None]) -> None:
        self.express = express
        self.wake = wake
        # How many updates took the lane, for tests and benchmarks. Not a metric: beside the
        # relays a desk sees, it would tell which residents the lane turned away (those with
        # anonymous cases among them).
        self.handled = 0

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        message = self.express.plain(event) if isinstance(event, Update) else None
        state = data.get("state")
        if message is None or not isinstance(state, FSMContext):
            return await handler(event, data)
        assert isinstance(event, Update)
        bot: Bot = data["bot"]
        pending, held = held_back(state)
        try:
            outbox = await self.express.handle(event, message, bot, held)
        except ConnectionLostError:
            logger.warning(
                "update %s: the database connection was lost; full path", event.update_id
            )
            outbox = None
        if outbox is None:
            return await handler(event, data)
        self.handled += 1
        await save_state(pending, event)
        if outbox.written:
            self.wake()
        await after_commit(bot, outbox)
        return None
