"""Every keyboard, built in every interface language, keeps each label short enough for its row
on a phone: Telegram splits a row evenly between its buttons and cuts what does not fit."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup
from aiogram.utils.i18n import I18n

from bot.domain.open311 import Facts
from bot.kinds import Privacy, PulseQuestion, SubscriptionKind
from bot.network.schema import Network
from bot.ui import alerts, announcing, desk_keyboards, keyboards, pulse, referrals, report_wizard
from bot.ui.alerts_menu import alerts_keyboard
from bot.ui.announcing import AnnounceStep
from bot.ui.i18n import speaking
from bot.ui.report_wizard import WizardAction
from bot.ui.stats_menu import periods_keyboard
from bot.workflows.open311_consent import consent_choices
from storage.models import Case
from tests.conftest import ROOT

# Columns a label may take, by the number of buttons in its row: a full-width button holds
# about 40 characters on a phone, half of one about 20, a third about 14.
FULL_WIDTH = 40
BUDGET = {1: FULL_WIDTH, 2: 20, 3: 14}

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup
LANGUAGES = sorted(path.parent.parent.name for path in ROOT.glob("locales/*/LC_MESSAGES/*.po"))


def budget(buttons: int) -> int:
    return BUDGET.get(buttons, FULL_WIDTH // buttons)


def columns(label: str) -> int:
    """How wide `label` is on screen: emoji and wide letters take two columns, combining marks,
    joiners and variation selectors none."""
    width = 0
    for char in label:
        if unicodedata.category(char) in {"Mn", "Me", "Cf"} or 0xFE00 <= ord(char) <= 0xFE0F:
            continue
        wide = unicodedata.east_asian_width(char) in {"W", "F"}
        width += 2 if wide or unicodedata.category(char) == "So" else 1
    return width


def test_columns_count_emoji_twice_and_marks_not_at_all() -> None:
    assert columns("Send anyway") == 11
    assert columns("✅ Yes") == 6
    assert columns("✏️ Edit") == 7  # U+270F and its variation selector
    assert columns("نعم") == 3


def one_case(network: Network) -> Case:
    return Case(
        id=1,
        ref="BL-26-00042",
        category=network.categories[0].code,
        status="open",
        created_at=datetime(2026, 9, 30, 10, 0, tzinfo=UTC),
    )


def every_keyboard(network: Network, language: str) -> Iterator[tuple[str, Markup]]:
    """Each keyboard Beatline shows, with sample data, in the current language."""
    case = one_case(network)
    resident: dict[str, Callable[[], Markup]] = {
        "main menu": keyboards.main_menu,
        "languages": lambda: keyboards.languages(["en", "nl", "pt", "uk", "ar"], "uk"),
        "consent": keyboards.consent,
        "sensitive file": keyboards.sensitive,
        "rating": lambda: keyboards.rating(1),
        "solved": lambda: keyboards.solved([case]) or InlineKeyboardMarkup(inline_keyboard=[]),
        "solved sure": lambda: keyboards.solved_sure(1),
        "report this": keyboards.report_this,
        "pick case": lambda: keyboards.pick_case([case], network, language),
        "switch language": lambda: keyboards.switch_language("nl"),
        "referral": lambda: referrals.consent_buttons(1),
        "alert": lambda: alerts.alert_buttons(1),
        "pulse": lambda: pulse.answers(PulseQuestion.SAFETY),
        "wizard categories": lambda: report_wizard.choices(
            network.categories, WizardAction.CATEGORY, network, language, back=False
        ),
        "wizard areas": lambda: report_wizard.choices(
            network.areas, WizardAction.AREA, network, language, network.areas[0].code
        ),
        "wizard privacy": report_wizard.privacy,
        "wizard precision": report_wizard.precision,
        "wizard location": report_wizard.location_keyboard,
        "wizard description": report_wizard.description_keyboard,
        "wizard summary": report_wizard.summary_keyboard,
        "wizard edit": report_wizard.edit_keyboard,
    }
    yield from ((name, build()) for name, build in resident.items())
    facts = Facts(Privacy.ANONYMOUS, has_location=True, has_photo=True, takes_media=True)
    yield "referral with choices", referrals.consent_buttons(1, consent_choices(facts))
    for quiet in (False, True):
        chosen = {SubscriptionKind.AREA: {network.areas[0].code}, SubscriptionKind.PULSE: {"on"}}
        yield "alerts", alerts_keyboard(network, chosen, quiet, language)
        yield "alerts, none chosen", alerts_keyboard(network, {}, quiet, language)
    staff: dict[str, Callable[[], Markup]] = {
        "ban": lambda: desk_keyboards.ban_confirm(1),
        "take over": lambda: desk_keyboards.take_over(1),
        "announce areas": lambda: announcing.toggles(
            network.areas, [network.areas[0].code], AnnounceStep.AREAS, language
        ),
        "announce areas, none chosen": lambda: announcing.toggles(
            network.areas, [], AnnounceStep.AREAS, language
        ),
        "priority": announcing.priority,
        "quick times": announcing.quick_times,
        "quick ends": announcing.quick_ends,
        "confirm": announcing.confirm_buttons,
        "cancel": lambda: announcing.cancel_buttons(1),
        "approve": lambda: announcing.approval_buttons(1),
    }
    yield from ((name, build()) for name, build in staff.items())
    for month in range(1, 13):  # each month's name on the /stats buttons
        now = datetime(2026, month, 15, 12, 0, tzinfo=UTC)
        yield f"stats in month {month}", periods_keyboard(network, language, now)


def rows(markup: Markup) -> list[list[str]]:
    if isinstance(markup, InlineKeyboardMarkup):
        return [[button.text for button in row] for row in markup.inline_keyboard]
    return [[button.text for button in row] for row in markup.keyboard]


def row_problems(name: str, markup: Markup) -> list[str]:
    found = []
    for row in rows(markup):
        limit = budget(len(row))
        found += [
            f"{name}: {label!r} takes {columns(label)} columns, {limit} fit in a row of {len(row)}"
            for label in row
            if columns(label) > limit
        ]
    return found


def test_a_half_width_label_longer_than_twenty_columns_is_reported() -> None:
    fits = InlineKeyboardMarkup.model_validate(
        {
            "inline_keyboard": [
                [{"text": "x" * 20, "callback_data": "a"}, {"text": "No", "callback_data": "b"}]
            ]
        }
    )
    too_wide = InlineKeyboardMarkup.model_validate(
        {
            "inline_keyboard": [
                [{"text": "Enviar de todos modos", "callback_data": "a"}],
                [{"text": "x" * 40, "callback_data": "b"}],
            ]
        }
    )
    assert row_problems("fits", fits) == []
    assert row_problems("too wide", too_wide) == []  # each alone in its row
    too_wide.inline_keyboard[1].append(too_wide.inline_keyboard[0][0])
    assert len(row_problems("too wide", too_wide)) == 2


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_label_fits_its_row(i18n: I18n, network: Network, language: str) -> None:
    with speaking(i18n, language):
        failures = sorted(
            {
                problem
                for name, markup in every_keyboard(network, language)
                for problem in row_problems(name, markup)
            }
        )
    assert not failures, "\n".join(failures)
