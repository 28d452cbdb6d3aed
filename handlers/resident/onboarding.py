"""First contact: /start, choosing a language, accepting the privacy notice; /language later on."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, User
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.domain.alerts import subscriptions
from bot.domain.citizens import give_consent, register, set_language
from bot.kinds import SubscriptionKind
from bot.network.schema import Area, Network
from bot.telegram.outbox import Outbox
from bot.ui import keyboards
from bot.ui.i18n import LANGUAGE_NAMES, _, supported
from bot.ui.texts import MENU_LANGUAGE, fmt
from handlers.filters import Consented, MenuButton
from handlers.middlewares import profile_of
from storage.models import Citizen

AREA_LINK = "area-"
PENDING_AREA = "subscribe_area"


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_start, CommandStart())
    router.callback_query.register(cb_language, keyboards.LanguageCb.filter())
    router.callback_query.register(cb_consent, keyboards.ConsentCb.filter())
    router.message.register(cmd_language, Command("language"), Consented())
    router.message.register(cmd_language, MenuButton(MENU_LANGUAGE), Consented())
    # Until the privacy notice is accepted nothing else is handled or stored.
    router.message.register(on_before_consent, ~Consented())
    router.callback_query.register(on_stale_before_consent, ~Consented())
    return router


def privacy_notice() -> str:
    return _(
        "<b>Privacy</b>\n"
        "Beatline passes what you send here to the police desk for your area, and, only if "
        "you agree case by case, to a partner organisation.\n"
        "We keep your Telegram name and id, your language and your messages, for handling "
        "your reports. Officers see your first name, unless you choose to report anonymously.\n"
        "You can ask us at any time to show or erase your data.\n\n"
        "This is not an emergency line: in an emergency call 112."
    )


def welcome_back() -> str:
    return _("Welcome to Beatline. Choose an option from the menu below.")


async def _ask_language(outbox: Outbox, message: Message, i18n: I18n) -> None:
    outbox.send(
        message.answer(
            _(
                "Hello! This is Beatline, the contact channel between residents and the "
                "police.\n\n"
                "Please choose your language:"
            ),
            reply_markup=keyboards.languages(i18n.available_locales, i18n.current_locale),
        )
    )


async def cmd_start(
    message: Message,
    outbox: Outbox,
    command: CommandObject,
    session: AsyncSession,
    clock: Clock,
    i18n: I18n,
    state: FSMContext,
    event_from_user: User,
    network: Network,
) -> None:
    """Greet, and walk a new citizen through language and consent.

    A deep link `?start=area-<code>` (the poster's QR code) subscribes to that area's alerts,
    right away or once the privacy notice is accepted.
    """
    await state.clear()
    citizen = await register(session, profile_of(event_from_user, message.chat), clock.now())
    area = _linked_area(command.args, network)
    if citizen.consent_at is None or citizen.language is None:
        if area is not None:
            await state.update_data({PENDING_AREA: area.code})
        await _ask_language(outbox, message, i18n)
        return
    if area is not None:
        await _subscribe_to(outbox, message, session, citizen, area, clock, i18n)
        return
    outbox.send(message.answer(welcome_back(), reply_markup=keyboards.main_menu()))


def _linked_area(args: str | None, network: Network) -> Area | None:
    if not args or not args.startswith(AREA_LINK):
        return None
    return network.area(args.removeprefix(AREA_LINK))


async def _subscribe_to(
    outbox: Outbox,
    message: Message,
    session: AsyncSession,
    citizen: Citizen,
    area: Area,
    clock: Clock,
    i18n: I18n,
) -> None:
    await subscriptions.subscribe(session, citizen, SubscriptionKind.AREA, area.code, clock.now())
    name = area.name(i18n.current_locale, i18n.default_locale)
    outbox.send(
        message.answer(
            fmt(_("You will now get alerts for {area}. /alerts changes this."), area=name),
            reply_markup=keyboards.main_menu(),
        )
    )


async def cb_language(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: keyboards.LanguageCb,
    session: AsyncSession,
    clock: Clock,
    i18n: I18n,
    event_from_user: User,
) -> None:
    """Store the chosen language, then show the privacy notice (or confirm the change)."""
    code = supported(i18n, callback_data.code)
    if code is None or not isinstance(query.message, Message):
        outbox.answer(query.answer(_("This language is not available."), show_alert=True))
        return
    citizen = await register(session, profile_of(event_from_user, query.message.chat), clock.now())
    set_language(citizen, code)
    with i18n.use_locale(code):
        outbox.answer(query.answer(LANGUAGE_NAMES.get(code, code)))
        if citizen.consent_at is None:
            outbox.send(query.message.answer(privacy_notice(), reply_markup=keyboards.consent()))
        else:
            outbox.send(
                query.message.answer(
                    _("Language set to {name}.").format(name=LANGUAGE_NAMES.get(code, code)),
                    reply_markup=keyboards.main_menu(),
                )
            )


async def cb_consent(
    query: CallbackQuery,
    outbox: Outbox,
    session: AsyncSession,
    clock: Clock,
    i18n: I18n,
    event_from_user: User,
    state: FSMContext,
    network: Network,
) -> None:
    """Record consent and open the main menu."""
    if not isinstance(query.message, Message):
        outbox.answer(query.answer())
        return
    citizen = await register(session, profile_of(event_from_user, query.message.chat), clock.now())
    give_consent(citizen, clock.now())
    if citizen.language is None:
        set_language(citizen, i18n.current_locale)
    outbox.answer(query.answer(_("Thank you.")))
    outbox.send(
        query.message.answer(
            _(
                "Thank you. You can now report something to the police or follow your reports.\n"
                "In an emergency always call 112."
            ),
            reply_markup=keyboards.main_menu(),
        )
    )
    pending = (await state.get_data()).get(PENDING_AREA)
    area = network.area(pending) if pending else None
    if area is not None:
        await state.update_data({PENDING_AREA: None})
        await _subscribe_to(outbox, query.message, session, citizen, area, clock, i18n)


async def cmd_language(message: Message, outbox: Outbox, i18n: I18n) -> None:
    """Offer the languages again."""
    outbox.send(
        message.answer(
            _("Choose your language:"),
            reply_markup=keyboards.languages(i18n.available_locales, i18n.current_locale),
        )
    )


async def on_before_consent(
    message: Message,
    outbox: Outbox,
    session: AsyncSession,
    clock: Clock,
    i18n: I18n,
    event_from_user: User,
) -> None:
    """Anything sent before consent is not kept; say so, then resume the start-up steps."""
    citizen = await register(session, profile_of(event_from_user, message.chat), clock.now())
    outbox.send(
        message.answer(
            _(
                "Before you can send us anything, please choose your language and read the "
                "privacy notice. Your message was not passed on."
            )
        )
    )
    if citizen.language is None:
        await _ask_language(outbox, message, i18n)
    else:
        outbox.send(message.answer(privacy_notice(), reply_markup=keyboards.consent()))


async def on_stale_before_consent(query: CallbackQuery, outbox: Outbox) -> None:
    outbox.answer(query.answer(_("Please press /start first."), show_alert=True))
