"""What residents will read: a text per language (/done when finished) and an optional photo."""

from __future__ import annotations

from aiogram.types import Message

from bot.ui.i18n import LANGUAGE_NAMES, _
from bot.ui.texts import fmt
from handlers.coordinator.announce.flow import TEXT_LINE, AnnounceForm, AnnounceWizard
from handlers.coordinator.announce.timing import ask_when


async def on_text(message: Message, wizard: AnnounceWizard) -> None:
    match = TEXT_LINE.match(message.text or "")
    if match is None or match.group(1) not in LANGUAGE_NAMES:
        wizard.outbox.send(
            message.reply(_("Start the message with a language code and a colon, e.g. “nl: …”."))
        )
        return
    draft = await wizard.draft()
    draft.texts[match.group(1)] = match.group(2).strip()
    await wizard.keep(draft)
    wizard.outbox.send(
        message.reply(
            fmt(
                _("{language} saved ({count} so far)."),
                language=LANGUAGE_NAMES[match.group(1)],
                count=len(draft.texts),
            )
        )
    )


async def on_done(message: Message, wizard: AnnounceWizard) -> None:
    draft = await wizard.draft()
    language = wizard.network.default_language
    if language not in draft.texts:
        missing = fmt(
            _("The {language} text is still missing."), language=LANGUAGE_NAMES.get(language, "")
        )
        wizard.outbox.send(message.reply(missing))
        return
    await wizard.state.set_state(AnnounceForm.photo)
    wizard.outbox.send(message.answer(_("Add a photo, or send /skip.")))


async def on_photo(message: Message, wizard: AnnounceWizard) -> None:
    assert message.photo is not None
    draft = await wizard.draft()
    draft.photo = message.photo[-1].file_id
    await wizard.keep(draft)
    wizard.outbox.send(message.reply(_("📷 Photo added.")))
    await ask_when(message, wizard)


async def on_skip_photo(message: Message, wizard: AnnounceWizard) -> None:
    await ask_when(message, wizard)


async def on_not_a_photo(message: Message, wizard: AnnounceWizard) -> None:
    wizard.outbox.send(message.reply(_("Send a photo, or /skip.")))
