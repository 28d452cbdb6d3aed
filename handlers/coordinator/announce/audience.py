"""/announce, then who hears it: the areas, the topics and the priority."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from bot.ui import announcing
from bot.ui.announcing import AnnounceStep, Pick, PickCb
from bot.ui.i18n import LANGUAGE_NAMES, _
from bot.ui.texts import fmt
from bot.workflows.announcements import AnnounceDraft
from handlers.coordinator.announce.flow import (
    AnnounceForm,
    answered,
    ask,
    chat_of,
    draft_of,
    keep,
)


async def cmd_announce(
    message: Message, outbox: Outbox, state: FSMContext, network: Network
) -> None:
    """Start composing an announcement."""
    await state.clear()
    await state.set_state(AnnounceForm.areas)
    author = message.from_user.id if message.from_user else None
    await keep(state, AnnounceDraft(author_id=author))
    outbox.send(
        message.answer(
            _(
                "New announcement. Which areas? Tick them and press “Next ▶”, or press “All”. "
                "(/cancel stops.)"
            ),
            reply_markup=announcing.toggles(
                network.areas, [], AnnounceStep.AREAS, network.default_language
            ),
        )
    )


async def _toggle_or_move_on(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: PickCb,
    state: FSMContext,
    network: Network,
    kind: str,
) -> bool:
    """A tick updates the keyboard (False); *All* or *Next* end the step (True)."""
    draft = await draft_of(state)
    items = network.areas if kind == "areas" else network.topics
    if callback_data.value == Pick.NEXT and not getattr(draft, kind):
        outbox.answer(query.answer(_("Tick at least one, or press “All”."), show_alert=True))
        return False
    if callback_data.value not in (Pick.ALL, Pick.NEXT):
        chosen = draft.toggle(kind, callback_data.value)
        await keep(state, draft)
        outbox.answer(query.answer())
        if isinstance(query.message, Message):
            outbox.send(
                query.message.edit_reply_markup(
                    reply_markup=announcing.toggles(
                        items, chosen, callback_data.step, network.default_language
                    )
                )
            )
        return False
    if callback_data.value == Pick.ALL:
        setattr(draft, kind, [])
        await keep(state, draft)
    outbox.answer(query.answer())
    title = _("Areas: {names}") if kind == "areas" else _("Topics: {names}")
    answered(
        outbox,
        query,
        fmt(title, names=announcing.names(items, getattr(draft, kind), network.default_language)),
    )
    return True


async def cb_area(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: PickCb,
    state: FSMContext,
    network: Network,
) -> None:
    if not await _toggle_or_move_on(query, outbox, callback_data, state, network, "areas"):
        return
    if network.topics:
        await state.set_state(AnnounceForm.topics)
        ask(
            outbox,
            chat_of(query),
            _("Which topics? Tick them and press “Next ▶”, or press “All”."),
            announcing.toggles(network.topics, [], AnnounceStep.TOPICS, network.default_language),
        )
        return
    await ask_priority(query, outbox, state)


async def cb_topic(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: PickCb,
    state: FSMContext,
    network: Network,
) -> None:
    if await _toggle_or_move_on(query, outbox, callback_data, state, network, "topics"):
        await ask_priority(query, outbox, state)


async def ask_priority(query: CallbackQuery, outbox: Outbox, state: FSMContext) -> None:
    await state.set_state(AnnounceForm.priority)
    ask(
        outbox,
        chat_of(query),
        _("Priority? Urgent alerts also reach residents during their quiet hours."),
        announcing.priority(),
    )


async def cb_priority(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: PickCb,
    state: FSMContext,
    network: Network,
) -> None:
    draft = await draft_of(state)
    draft.urgent = callback_data.value == "urgent"
    await keep(state, draft)
    await state.set_state(AnnounceForm.texts)
    outbox.answer(query.answer())
    answered(
        outbox,
        query,
        _("Priority: 🔴 urgent (ignores quiet hours)") if draft.urgent else _("Priority: normal"),
    )
    language = network.default_language
    ask(
        outbox,
        chat_of(query),
        fmt(
            _(
                "Send the text in each language, one message per language, starting "
                "with the language code, e.g. “{example}”. At least {language} is "
                "needed. Send /done when finished."
            ),
            example=f"{language}: …",
            language=LANGUAGE_NAMES.get(language, language),
        ),
    )
