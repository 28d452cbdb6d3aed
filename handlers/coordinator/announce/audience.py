"""/announce, then who hears it: the areas, the topics and the priority."""

from __future__ import annotations

from aiogram.types import CallbackQuery, Message

from bot.kinds import CasePriority, SubscriptionKind
from bot.ui import announcing
from bot.ui.announcing import AnnounceStep, Pick, PickCb
from bot.ui.i18n import LANGUAGE_NAMES, _
from bot.ui.texts import fmt
from bot.workflows.announcements import AimedBy, AnnounceDraft
from handlers.coordinator.announce.flow import AnnounceForm, AnnounceWizard


async def cmd_announce(message: Message, wizard: AnnounceWizard) -> None:
    """Start composing an announcement."""
    await wizard.state.clear()
    await wizard.state.set_state(AnnounceForm.areas)
    author = message.from_user.id if message.from_user else None
    await wizard.keep(AnnounceDraft(author_id=author))
    network = wizard.network
    wizard.outbox.send(
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
    callback_data: PickCb,
    wizard: AnnounceWizard,
    kind: AimedBy,
) -> bool:
    """A tick updates the keyboard (False); *All* or *Next* end the step (True)."""
    draft = await wizard.draft()
    network = wizard.network
    items = network.areas if kind == SubscriptionKind.AREA else network.topics
    if callback_data.value == Pick.NEXT and not draft.chosen(kind):
        wizard.refuse(query, _("Tick at least one, or press “All”."))
        return False
    if callback_data.value not in (Pick.ALL, Pick.NEXT):
        chosen = draft.toggle(kind, callback_data.value)
        await wizard.keep(draft)
        wizard.outbox.answer(query.answer())
        if isinstance(query.message, Message):
            wizard.outbox.send(
                query.message.edit_reply_markup(
                    reply_markup=announcing.toggles(
                        items, chosen, callback_data.step, network.default_language
                    )
                )
            )
        return False
    if callback_data.value == Pick.ALL:
        draft.chosen(kind).clear()
        await wizard.keep(draft)
    title = _("Areas: {names}") if kind == SubscriptionKind.AREA else _("Topics: {names}")
    names = announcing.names(items, draft.chosen(kind), network.default_language)
    wizard.answered(query, fmt(title, names=names))
    return True


async def cb_area(query: CallbackQuery, callback_data: PickCb, wizard: AnnounceWizard) -> None:
    if not await _toggle_or_move_on(query, callback_data, wizard, SubscriptionKind.AREA):
        return
    network = wizard.network
    if network.topics:
        await wizard.state.set_state(AnnounceForm.topics)
        wizard.say(
            _("Which topics? Tick them and press “Next ▶”, or press “All”."),
            announcing.toggles(network.topics, [], AnnounceStep.TOPICS, network.default_language),
        )
        return
    await _ask_priority(wizard)


async def cb_topic(query: CallbackQuery, callback_data: PickCb, wizard: AnnounceWizard) -> None:
    if await _toggle_or_move_on(query, callback_data, wizard, SubscriptionKind.TOPIC):
        await _ask_priority(wizard)


async def _ask_priority(wizard: AnnounceWizard) -> None:
    await wizard.state.set_state(AnnounceForm.priority)
    wizard.say(
        _("Priority? Urgent alerts also reach residents during their quiet hours."),
        announcing.priority(),
    )


async def cb_priority(query: CallbackQuery, callback_data: PickCb, wizard: AnnounceWizard) -> None:
    draft = await wizard.draft()
    draft.urgent = callback_data.value == CasePriority.URGENT
    await wizard.keep(draft)
    await wizard.state.set_state(AnnounceForm.texts)
    wizard.answered(
        query,
        _("Priority: 🔴 urgent (ignores quiet hours)") if draft.urgent else _("Priority: normal"),
    )
    language = wizard.network.default_language
    wizard.say(
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
