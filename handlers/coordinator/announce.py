"""The coordinators' group: /announce (audience, priority, texts per language, photo,
schedule, preview, confirm), /announcements and /cancel_announcement."""

from __future__ import annotations

import json
import re
from datetime import datetime, time
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.domain import alerts
from bot.network.schema import Named, Network
from bot.telegram.outbox import Outbox
from bot.ui.i18n import LANGUAGE_NAMES, _
from bot.ui.texts import fmt, local_time
from bot.workflows.broadcaster import alert_buttons, alert_text
from handlers.filters import Match

TEXT_LINE = re.compile(r"^\s*([a-z]{2,3})\s*:\s*(.+)$", re.DOTALL)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class AnnounceForm(StatesGroup):
    areas = State()
    topics = State()
    priority = State()
    texts = State()
    photo = State()
    schedule = State()
    confirm = State()


class PickCb(CallbackData, prefix="ann"):
    step: str  # areas | topics | priority | confirm
    value: str


def create_router(network: Network) -> Router:
    router = Router(name=__name__)
    router.message.filter(Match(F.chat.id == network.coordinators_chat_id))
    router.callback_query.filter(Match(F.message.chat.id == network.coordinators_chat_id))
    router.message.register(cmd_announce, Command("announce"))
    router.message.register(cmd_announcements, Command("announcements"))
    router.message.register(cmd_cancel_announcement, Command("cancel_announcement"))
    router.message.register(cmd_stop, Command("cancel"), StateFilter(AnnounceForm))
    router.callback_query.register(cb_pick, PickCb.filter(), StateFilter(AnnounceForm))
    router.message.register(on_texts, StateFilter(AnnounceForm.texts))
    router.message.register(on_photo, StateFilter(AnnounceForm.photo))
    router.message.register(on_schedule, StateFilter(AnnounceForm.schedule))
    return router


def _toggles(
    items: tuple[Named, ...], chosen: list[str], step: str, language: str
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for item in items:
        mark = "✅" if item.code in chosen else "⬜"
        builder.button(
            text=f"{mark} {item.name(language, language)}",
            callback_data=PickCb(step=step, value=item.code),
        )
    builder.adjust(2)
    builder.row(
        InlineKeyboardButton(
            text=_("All") if not chosen else _("Next ▶"),
            callback_data=PickCb(step=step, value="*").pack(),
        )
    )
    return builder.as_markup()


async def cmd_announce(
    message: Message, outbox: Outbox, state: FSMContext, network: Network
) -> None:
    """Start composing an announcement."""
    await state.clear()
    await state.set_state(AnnounceForm.areas)
    await state.update_data(areas=[], topics=[], texts={}, started_by=_author(message))
    outbox.send(
        message.answer(
            _("New announcement. Which areas? Tick them, or press “All”. (/cancel stops.)"),
            reply_markup=_toggles(network.areas, [], "areas", network.default_language),
        )
    )


def _author(message: Message) -> int | None:
    return message.from_user.id if message.from_user else None


async def cb_pick(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: PickCb,
    state: FSMContext,
    network: Network,
    session: AsyncSession,
    clock: Clock,
    i18n: I18n,
) -> None:
    data = await state.get_data()
    message = query.message if isinstance(query.message, Message) else None
    outbox.answer(query.answer())
    if message is None:
        return
    step, value = callback_data.step, callback_data.value
    language = network.default_language
    if step in ("areas", "topics") and value != "*":
        chosen: list[str] = data.get(step, [])
        chosen = [c for c in chosen if c != value] if value in chosen else [*chosen, value]
        await state.update_data({step: chosen})
        items = network.areas if step == "areas" else network.topics
        outbox.send(
            message.edit_reply_markup(reply_markup=_toggles(items, chosen, step, language))
        )
        return
    if step == "areas":
        if network.topics:
            await state.set_state(AnnounceForm.topics)
            outbox.send(
                message.answer(
                    _("Which topics? Tick them, or press “All”."),
                    reply_markup=_toggles(network.topics, [], "topics", language),
                )
            )
            return
        step = "topics"
    if step == "topics":
        await state.set_state(AnnounceForm.priority)
        builder = InlineKeyboardBuilder()
        builder.button(text=_("Normal"), callback_data=PickCb(step="priority", value="normal"))
        builder.button(
            text=_("🔴 Urgent (ignores quiet hours)"),
            callback_data=PickCb(step="priority", value="urgent"),
        )
        outbox.send(message.answer(_("Priority?"), reply_markup=builder.as_markup()))
        return
    if step == "priority":
        await state.update_data(urgent=value == "urgent")
        await state.set_state(AnnounceForm.texts)
        outbox.send(
            message.answer(
                fmt(
                    _(
                        "Send the text in each language, one message per language, starting "
                        "with the language code, e.g. “{example}”. At least {language} is "
                        "needed. Send /done when finished."
                    ),
                    example=f"{language}: …",
                    language=LANGUAGE_NAMES.get(language, language),
                )
            )
        )
        return
    if step == "confirm" and value == "yes":
        await _save(outbox, message, state, network, session, clock)
        return
    await state.clear()
    outbox.send(message.answer(_("Announcement discarded.")))


async def on_texts(message: Message, outbox: Outbox, state: FSMContext, network: Network) -> None:
    texts: dict[str, str] = (await state.get_data()).get("texts", {})
    if message.text == "/done" or (message.text or "").startswith("/done@"):
        if network.default_language not in texts:
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
        return
    match = TEXT_LINE.match(message.text or "")
    if match is None or match.group(1) not in LANGUAGE_NAMES:
        outbox.send(
            message.reply(_("Start the message with a language code and a colon, e.g. “nl: …”."))
        )
        return
    texts[match.group(1)] = match.group(2).strip()
    await state.update_data(texts=texts)
    outbox.send(
        message.reply(
            fmt(
                _("{language} saved ({count} so far)."),
                language=LANGUAGE_NAMES[match.group(1)],
                count=len(texts),
            )
        )
    )


async def on_photo(message: Message, outbox: Outbox, state: FSMContext) -> None:
    if message.photo:
        await state.update_data(photo=message.photo[-1].file_id)
    elif (message.text or "").split("@")[0] != "/skip":
        outbox.send(message.reply(_("Send a photo, or /skip.")))
        return
    await state.set_state(AnnounceForm.schedule)
    outbox.send(
        message.answer(
            _(
                "When? Send “now”, a date and time (“2026-12-01 18:00”), “daily 18:00”, "
                "“weekly mon 09:00” or “cron 0 9 * * 1”."
            )
        )
    )


def parse_schedule(text: str, now: datetime, network: Network) -> tuple[datetime, str] | None:
    """The first run (UTC-aware) and the stored schedule ("once" or a cron expression)."""
    words = text.strip().lower().split()
    zone = network.zone
    try:
        if words == ["now"]:
            return now, "once"
        if len(words) == 2 and words[0] not in ("daily", "cron"):
            moment = datetime.fromisoformat(" ".join(words)).replace(tzinfo=zone)
            return (moment, "once") if moment > now else None
        if words[0] == "daily" and len(words) == 2:
            at = time.fromisoformat(words[1])
            expression = f"{at.minute} {at.hour} * * *"
        elif words[0] == "weekly" and len(words) == 3 and words[1] in WEEKDAYS:
            at = time.fromisoformat(words[2])
            expression = f"{at.minute} {at.hour} * * {words[1]}"
        elif words[0] == "cron" and len(words) == 6:
            expression = " ".join(words[1:])
        else:
            return None
        first = alerts.cron_trigger(expression, zone).get_next_fire_time(None, now)
    except ValueError:
        return None
    return (first, expression) if first is not None else None


async def on_schedule(
    message: Message, outbox: Outbox, state: FSMContext, network: Network, clock: Clock, i18n: I18n
) -> None:
    parsed = parse_schedule(message.text or "", clock.now(), network)
    if parsed is None:
        outbox.send(
            message.reply(
                _(
                    "I did not understand that time. Try “now”, “2026-12-01 18:00”, "
                    "“daily 18:00”, “weekly mon 09:00” or “cron 0 9 * * 1”."
                )
            )
        )
        return
    first, schedule = parsed
    await state.update_data(first=first.isoformat(), schedule=schedule)
    await state.set_state(AnnounceForm.confirm)
    data = await state.get_data()
    # The preview is exactly what citizens of each language will get.
    for language, text in data["texts"].items():
        with i18n.use_locale(language):
            outbox.send(
                message.answer(
                    f"[{language}]\n{alert_text(data.get('urgent', False), text)}",
                    reply_markup=alert_buttons(0),
                )
            )
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✅ Schedule it"), callback_data=PickCb(step="confirm", value="yes"))
    builder.button(text=_("✖ Discard"), callback_data=PickCb(step="confirm", value="no"))
    outbox.send(
        message.answer(
            fmt(
                _("Above: the preview per language. First sending: {time} ({schedule})."),
                time=local_time(first, network),
                schedule=schedule,
            ),
            reply_markup=builder.as_markup(),
        )
    )


async def _save(
    outbox: Outbox,
    message: Message,
    state: FSMContext,
    network: Network,
    session: AsyncSession,
    clock: Clock,
) -> None:
    data: dict[str, Any] = await state.get_data()
    await state.clear()
    announcement = await alerts.create(
        session,
        alerts.Draft(
            texts=data["texts"],
            areas=data.get("areas", []),
            topics=data.get("topics", []),
            urgent=bool(data.get("urgent")),
            photo_file_id=data.get("photo"),
            schedule=data["schedule"],
        ),
        author_id=data.get("started_by"),
        first_run=datetime.fromisoformat(data["first"]),
    )
    outbox.send(
        message.answer(
            fmt(
                _(
                    "Announcement #{number} is scheduled. /announcements lists it; "
                    "/cancel_announcement {number} cancels it."
                ),
                number=announcement.id,
            )
        )
    )


async def cmd_stop(message: Message, outbox: Outbox, state: FSMContext) -> None:
    await state.clear()
    outbox.send(message.answer(_("Announcement discarded.")))


async def cmd_announcements(
    message: Message, outbox: Outbox, session: AsyncSession, network: Network
) -> None:
    rows = await alerts.recent_announcements(session)
    if not rows:
        outbox.send(message.answer(_("No announcements yet.")))
        return
    lines = [_("<b>Announcements</b>")]
    for row in rows:
        when = local_time(row.next_run_at, network) if row.next_run_at else "—"
        first = next(iter(json.loads(row.texts).values()), "")[:40]
        lines.append(
            fmt(
                "#{number} · {status} · {when} · {text}",
                number=row.id,
                status=row.status,
                when=when,
                text=first,
            )
        )
    outbox.send(message.answer("\n".join(lines)))


async def cmd_cancel_announcement(
    message: Message, outbox: Outbox, command: CommandObject, session: AsyncSession
) -> None:
    try:
        number = int((command.args or "").strip().lstrip("#"))
    except ValueError:
        outbox.send(message.reply(_("Give the number, e.g. /cancel_announcement 12")))
        return
    if await alerts.cancel(session, number):
        outbox.send(message.reply(fmt(_("Announcement #{number} is cancelled."), number=number)))
    else:
        outbox.send(
            message.reply(
                fmt(
                    _(
                        "Announcement #{number} cannot be cancelled (unknown, already "
                        "sending, done or cancelled)."
                    ),
                    number=number,
                )
            )
        )
