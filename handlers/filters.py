"""Filters for the routers. Every one is an async `Filter`: aiogram runs plain callables,
`F.…` magic filters included, through `asyncio.to_thread`, a thread hop per filter per update."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import Router
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import I18n
from magic_filter import MagicFilter

from bot.network.schema import Network
from bot.telegram.admins import GroupAdmins
from bot.ui.i18n import translate_all
from storage.models import Citizen

# Every button label a filter here recognises (msgids), for handlers.express: a text that is
# none of them, nor a command, reaches no handler before the follow-up's.
KNOWN_BUTTONS: set[str] = set()


def button_labels(i18n: I18n) -> frozenset[str]:
    """The labels of every button any router was built to recognise, in every language."""
    return frozenset(label for msgid in KNOWN_BUTTONS for label in translate_all(i18n, msgid))


class MenuButton(Filter):
    """A main-menu button, recognised in any language (the keyboard may predate a switch)."""

    def __init__(self, msgid: str) -> None:
        self.msgid = msgid
        KNOWN_BUTTONS.add(msgid)
        self._labels: frozenset[str] | None = None

    async def __call__(self, message: Message, i18n: I18n) -> bool:
        if message.text is None:
            return False
        if self._labels is None:  # catalogs are loaded once, so the labels never change
            self._labels = frozenset(translate_all(i18n, self.msgid))
        return message.text in self._labels


class AnyMenuButton(Filter):
    """Any main-menu or wizard button label, in any language."""

    def __init__(self, *msgids: str) -> None:
        self.msgids = msgids
        KNOWN_BUTTONS.update(msgids)
        self._labels: frozenset[str] | None = None

    async def __call__(self, message: Message, i18n: I18n) -> bool:
        if message.text is None:
            return False
        if self._labels is None:
            self._labels = frozenset(
                label for msgid in self.msgids for label in translate_all(i18n, msgid)
            )
        return message.text in self._labels


class CommandOrButton(Filter):
    """A command (in a text or a caption, as aiogram's `Command` reads it) or one of these
    menu buttons. On a router whose every message handler needs one, it lets all other
    messages (a follow-up) pass the router by with one check instead of one per handler."""

    def __init__(self, *msgids: str) -> None:
        self.buttons = AnyMenuButton(*msgids)

    async def __call__(self, message: Message, i18n: I18n) -> bool:
        words = message.text or message.caption
        if words is not None and words.startswith("/"):
            return True
        return bool(self.buttons.msgids) and await self.buttons(message, i18n)


class Consented(Filter):
    """The citizen has accepted the privacy notice."""

    async def __call__(self, _event: object, citizen: Citizen | None) -> bool:
        return citizen is not None and citizen.consent_at is not None


def consented_router(name: str) -> Router:
    """A router that sees the messages and button presses only of residents who have accepted
    the privacy notice."""
    router = Router(name=name)
    router.message.filter(Consented())
    router.callback_query.filter(Consented())
    return router


class Match(Filter):
    """An `F.…` magic filter, checked on the event loop."""

    def __init__(self, magic: MagicFilter) -> None:
        self.magic = magic

    async def __call__(self, event: TelegramObject) -> bool:
        return bool(self.magic.resolve(event))


class WrittenByStaff(Filter):
    """People in a staff group, or the group posting as itself; not bots or channel forwards."""

    async def __call__(self, message: Message) -> bool:
        if message.is_automatic_forward:
            return False
        if message.sender_chat is not None:
            return message.sender_chat.id == message.chat.id
        return message.from_user is not None and not message.from_user.is_bot


class StaffOnly(Filter):
    """The sender passes the staff rule of the group (network.toml `staff`: members, admins or
    listed ids); with `passes=False`, the sender does not."""

    def __init__(self, passes: bool = True) -> None:
        self.passes = passes

    async def __call__(
        self, event: Message | CallbackQuery, network: Network, admins: GroupAdmins
    ) -> bool:
        return admitted(event, network, admins) == self.passes


def admitted(event: Message | CallbackQuery, network: Network, admins: GroupAdmins) -> bool:
    if isinstance(event, CallbackQuery):
        if event.message is None:
            return False
        chat_id, user_id = event.message.chat.id, event.from_user.id
    elif event.sender_chat is not None:
        # Only administrators can post as the group itself; it names nobody.
        if event.sender_chat.id != event.chat.id:
            return False
        chat_id, user_id = event.chat.id, None
    else:
        chat_id, user_id = event.chat.id, event.from_user.id if event.from_user else None
    rule = network.staff_rule(chat_id)
    if rule is None:
        return False
    return rule.admits(user_id, user_id is None or admins.is_admin(chat_id, user_id))


NOTE_PREFIX = "//"


def written_as_note(messages: Sequence[Message]) -> bool:
    """The one rule for internal notes: the text, or the caption of the message or of any
    item of an album, starts with `//` (spaces before it do not count)."""
    return any((m.text or m.caption or "").lstrip().startswith(NOTE_PREFIX) for m in messages)


class InternalNote(Filter):
    """A staff message (or album) written as an internal note."""

    async def __call__(self, message: Message, album: list[Message] | None = None) -> bool:
        return written_as_note(album or [message])
