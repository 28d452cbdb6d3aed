"""What /stats and /report send into a staff chat: the album of charts with its caption, the CSV
under it with buttons for other periods, the report's PDF, and the short answers around them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.methods import SendDocument, SendMediaGroup, SendMessage, SendPhoto, TelegramMethod
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, InputMediaPhoto, ReplyParameters
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.stats import Period, common_periods
from bot.network.schema import Network
from bot.ui.charts import Names, PublicReport, StatsReport
from bot.ui.i18n import _, n_

ALBUM_LIMIT = 10  # Telegram takes 2 to 10 items in one media group


class StatsChoice(StrEnum):
    RECENT = "recent"  # the last 4 weeks up to the moment the button is pressed
    MONTH = "month"  # the calendar month in `month`


class StatsCb(CallbackData, prefix="stats"):
    """A period button under the statistics; a month is carried as YYYYMM, so a button shows
    the month its label names however late it is pressed."""

    choice: StatsChoice
    month: int = 0


def month_code(period: Period) -> int:
    return period.first_day.year * 100 + period.first_day.month


def periods_keyboard(network: Network, language: str, now: datetime) -> InlineKeyboardMarkup:
    """The last 4 weeks, this month so far and last month (labels in `language`)."""
    names = Names(network, language)
    _recent, this_month, last_month = common_periods(now, network.zone)
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Last 4 weeks"), callback_data=StatsCb(choice=StatsChoice.RECENT))
    for period in (this_month, last_month):
        builder.button(
            text=names.period(period),
            callback_data=StatsCb(choice=StatsChoice.MONTH, month=month_code(period)),
        )
    builder.adjust(1, 2)  # a month's name takes half a row in every language, not a third
    return builder.as_markup()


def _reply(reply_to: int | None) -> ReplyParameters | None:
    if reply_to is None:
        return None
    return ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)


def stats_messages(
    chat_id: int,
    thread_id: int | None,
    reply_to: int | None,
    report: StatsReport,
    keyboard: InlineKeyboardMarkup,
) -> list[TelegramMethod[Any]]:
    """The album (caption on the first picture), then the CSV with the period buttons."""
    pictures = [
        BufferedInputFile(image, f"beatline-stats-{number}.png")
        for number, image in enumerate(report.images[:ALBUM_LIMIT], start=1)
    ]
    album: TelegramMethod[Any]
    if len(pictures) == 1:
        album = SendPhoto(
            chat_id=chat_id,
            message_thread_id=thread_id,
            photo=pictures[0],
            caption=report.caption,
            reply_parameters=_reply(reply_to),
        )
    else:
        album = SendMediaGroup(
            chat_id=chat_id,
            message_thread_id=thread_id,
            media=[
                InputMediaPhoto(media=picture, caption=report.caption if number == 0 else None)
                for number, picture in enumerate(pictures)
            ],
            reply_parameters=_reply(reply_to),
        )
    table = SendDocument(
        chat_id=chat_id,
        message_thread_id=thread_id,
        document=BufferedInputFile(report.csv, report.csv_filename),
        caption=_("The same numbers as a table (CSV). Other periods:"),
        reply_markup=keyboard,
    )
    return [album, table]


def report_message(
    chat_id: int,
    thread_id: int | None,
    reply_to: int | None,
    report: PublicReport,
    network: Network,
    language: str,
    period: Period,
) -> SendDocument:
    """The monthly report as a PDF document, named and captioned with its month."""
    names = Names(network, language)
    return SendDocument(
        chat_id=chat_id,
        message_thread_id=thread_id,
        document=BufferedInputFile(report.pdf, f"beatline-report-{period.argument}.pdf"),
        caption=n_(
            "Beatline report: {period} ({pages} page, no personal data)",
            "Beatline report: {period} ({pages} pages, no personal data)",
            report.pages,
        ).format(period=names.period(period), pages=report.pages),
        reply_parameters=_reply(reply_to),
    )


def failure_message(chat_id: int, thread_id: int | None, reply_to: int | None) -> SendMessage:
    return SendMessage(
        chat_id=chat_id,
        message_thread_id=thread_id,
        text=_("Sorry, the figures could not be made just now. Please try again later."),
        reply_parameters=_reply(reply_to),
    )


def report_usage() -> str:
    return _(
        "Name a month: /report 2026-11 (the last month if you leave it out; add a language "
        "code such as /report 2026-11 nl for another language)."
    )
