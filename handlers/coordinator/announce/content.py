"""What residents will read: a text per language (/done when finished) and an optional photo."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from bot.ui.i18n import LANGUAGE_NAMES, _
from bot.ui.texts import fmt
from handlers.coordinator.announce.flow import (
    TEXT_LINE,
    AnnounceForm,
    draft_of,
    keep,
)
from handlers.coordinator.announce.timing import ask_when


async def on_text(message: Message, outbox: Outbox, state: FSMContext) -> None:
    match = TEXT_LINE.match(message.text or "")
    if match is None or match.group(1) not in LANGUAGE_NAMES:
        outbox.send(
            message.reply(_("Start the message with a language code and a colon, e.g. “nl: …”."))
        )
        return
    draft = await draft_of(state)
    draft.texts[match.group(1)] = match.group(2).strip()
    await keep(state, draft)
    outbox.send(
        message.reply(
            fmt(
                _("{language} saved ({count} so far)."),
                language=LANGUAGE_NAMES[match.group(1)],
                count=len(draft.texts),
            )
        )
    )


async def on_done(message: Message, outbox: Outbox, state: FSMContext, network: Network) -> None:
    draft = await draft_of(state)
    if network.default_language not in draft.texts:
        outbox.send(
            message.reply(
                fmt(
                    _("The {language} text is still missing."),
                    language=LANGUAGE_NAMES.get(network.default_language, ""),
                )
            )
        )
        return
    await state.set_state(AnnounceForm.photo)
    outbox.send(message.answer(_("Add a photo, or send /skip.")))


async def on_photo(message: Message, outbox: Outbox, state: FSMContext) -> None:
    assert message.photo is not None
    draft = await draft_of(state)
    draft.photo = message.photo[-1].file_id
    await keep(state, draft)
    outbox.send(message.reply(_("📷 Photo added.")))
    await ask_when(message, outbox, state)


async def on_skip_photo(message: Message, outbox: Outbox, state: FSMContext) -> None:
    await ask_when(message, outbox, state)


async def on_not_a_photo(message: Message, outbox: Outbox) -> None:
    outbox.send(message.reply(_("Send a photo, or /skip.")))
