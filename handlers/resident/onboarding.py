"""First contact: /start, choosing a language, accepting the privacy notice; /language later on."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject, CommandStart, or_f
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, User

from bot.domain.alerts import subscriptions
from bot.domain.citizens import Profile, register, set_language
from bot.kinds import SubscriptionKind
from bot.network.areas import Area
from bot.network.schema import Network
from bot.ui import keyboards
from bot.ui.i18n import LANGUAGE_NAMES, _, supported
from bot.ui.texts import MENU_LANGUAGE, fmt, isolate, quote
from handlers.context import Context
from handlers.filters import CommandOrButton, Consented, MenuButton
from handlers.middlewares import CHOSEN_LANGUAGE
from handlers.resident.unsent import UNSENT, keep_unsent, offer_unsent
from storage.models import Citizen

AREA_LINK = "area-"
PENDING_AREA = "subscribe_area"


def create_router() -> Router:
    router = Router(name=__name__)
    # What one of the message handlers needs: a follow-up passes the router by at one check.
    router.message.filter(or_f(CommandOrButton(MENU_LANGUAGE), ~Consented()))
    router.message.register(cmd_start, CommandStart())
    router.callback_query.register(cb_language, keyboards.LanguageCb.filter())
    router.callback_query.register(cb_consent, keyboards.ConsentCb.filter())
    router.message.register(cmd_language, Command("language"), Consented())
    router.message.register(cmd_language, MenuButton(MENU_LANGUAGE), Consented())
    # Until the privacy notice is accepted nothing else is handled or stored.
    router.message.register(on_before_consent, ~Consented())
    router.callback_query.register(on_stale_before_consent, ~Consented())
    return router


def privacy_notice(network: Network) -> str:
    return _(
        "<b>Privacy</b>\n"
        "Beatline passes what you send here to the police desk for your area, and, only if "
        "you agree case by case, to a partner organisation.\n"
        "We keep your Telegram name and id, your language and your messages, for handling "
        "your reports. Officers see your first name, unless you choose to report anonymously.\n"
        "You can see your data with /mydata and erase it with /forget at any time.\n\n"
        "This is not an emergency line: in an emergency call {number}."
    ).format(number=isolate(quote(network.emergency.number)))


def welcome_back() -> str:
    return _("Welcome to Beatline. Choose an option from the menu below.")


async def _ask_language(message: Message, ctx: Context) -> None:
    ctx.outbox.send(
        message.answer(
            _(
                "Hello! This is Beatline, the contact channel between residents and the "
                "police.\n\n"
                "Please choose your language:"
            ),
            reply_markup=keyboards.languages(ctx.i18n.available_locales, ctx.i18n.current_locale),
        )
    )


async def cmd_start(
    message: Message,
    command: CommandObject,
    ctx: Context,
    state: FSMContext,
    citizen: Citizen | None,
) -> None:
    """Greet, and walk a new resident through language and consent.

    Nothing about a new resident is stored before they accept the privacy notice: the
    language they pick and a deep link's area (`?start=area-<code>`, the poster's QR code)
    wait in the conversation state until then.
    """
    area = _linked_area(command.args, ctx.network)
    if citizen is None or citizen.consent_at is None:
        await state.set_data({})
        if area is not None:
            await state.update_data({PENDING_AREA: area.code})
        await _ask_language(message, ctx)
        return
    await state.clear()
    if area is not None:
        await _subscribe_to(message, ctx, citizen, area)
        return
    ctx.outbox.send(message.answer(welcome_back(), reply_markup=keyboards.main_menu()))


def _linked_area(args: str | None, network: Network) -> Area | None:
    if not args or not args.startswith(AREA_LINK):
        return None
    return network.area(args.removeprefix(AREA_LINK))


async def _subscribe_to(message: Message, ctx: Context, citizen: Citizen, area: Area) -> None:
    await subscriptions.subscribe(
        ctx.session, citizen, SubscriptionKind.AREA, area.code, ctx.clock.now()
    )
    name = area.name(ctx.i18n.current_locale, ctx.i18n.default_locale)
    ctx.outbox.send(
        message.answer(
            fmt(_("You will now get alerts for {area}. /alerts changes this."), area=name),
            reply_markup=keyboards.main_menu(),
        )
    )


async def cb_language(
    query: CallbackQuery,
    callback_data: keyboards.LanguageCb,
    ctx: Context,
    state: FSMContext,
    citizen: Citizen | None,
) -> None:
    """Keep the chosen language, then show the privacy notice (or confirm the change)."""
    code = supported(ctx.i18n, callback_data.code)
    if code is None or not isinstance(query.message, Message):
        ctx.outbox.answer(query.answer(_("This language is not available."), show_alert=True))
        return
    with ctx.i18n.use_locale(code):
        ctx.outbox.answer(query.answer(LANGUAGE_NAMES.get(code, code)))
        if citizen is None or citizen.consent_at is None:
            await state.update_data({CHOSEN_LANGUAGE: code})
            ctx.outbox.send(
                query.message.answer(privacy_notice(ctx.network), reply_markup=keyboards.consent())
            )
            return
        set_language(citizen, code)
        ctx.outbox.send(
            query.message.answer(
                _("Language set to {name}.").format(name=LANGUAGE_NAMES.get(code, code)),
                reply_markup=keyboards.main_menu(),
            )
        )


async def cb_consent(
    query: CallbackQuery, ctx: Context, event_from_user: User, state: FSMContext
) -> None:
    """Record consent: the resident exists from now on. Then the menu, a pending deep link's
    subscription, and what they wrote before (offered as a report)."""
    if not isinstance(query.message, Message):
        ctx.outbox.answer(query.answer())
        return
    data = await state.get_data()
    language = data.get(CHOSEN_LANGUAGE) or ctx.i18n.current_locale
    citizen = await register(
        ctx.session, Profile.of(event_from_user, query.message.chat), language, ctx.clock.now()
    )
    ctx.outbox.answer(query.answer(_("Thank you.")))
    ctx.outbox.send(
        query.message.answer(
            _(
                "Thank you. You can now report something to the police or follow your "
                "reports.\nIn an emergency always call {number}."
            ).format(number=isolate(quote(ctx.network.emergency.number))),
            reply_markup=keyboards.main_menu(),
        )
    )
    await state.set_data({key: data[key] for key in (UNSENT,) if key in data})
    area = ctx.network.area(data[PENDING_AREA]) if data.get(PENDING_AREA) else None
    if area is not None:
        await _subscribe_to(query.message, ctx, citizen, area)
    if data.get(UNSENT):
        offer_unsent(ctx.outbox, query.message.chat.id)


async def cmd_language(message: Message, ctx: Context) -> None:
    """Offer the languages again."""
    ctx.outbox.send(
        message.answer(
            _("Choose your language:"),
            reply_markup=keyboards.languages(ctx.i18n.available_locales, ctx.i18n.current_locale),
        )
    )


async def on_before_consent(message: Message, ctx: Context, state: FSMContext) -> None:
    """Nothing is passed on before consent: say so, keep a text or voice note (in the
    conversation state only) to offer as a report afterwards, and resume the steps."""
    await keep_unsent(state, message)
    ctx.outbox.send(
        message.answer(
            _(
                "Before you can send us anything, please choose your language and read the "
                "privacy notice. Your message was not passed on yet: after that, you can "
                "report it with one tap."
            )
        )
    )
    if (await state.get_data()).get(CHOSEN_LANGUAGE) is None:
        await _ask_language(message, ctx)
    else:
        ctx.outbox.send(
            message.answer(privacy_notice(ctx.network), reply_markup=keyboards.consent())
        )


async def on_stale_before_consent(query: CallbackQuery, ctx: Context) -> None:
    ctx.outbox.answer(query.answer(_("Please press /start first."), show_alert=True))
