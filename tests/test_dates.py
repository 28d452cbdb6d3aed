"""Days and times are written the way each interface language writes them (Babel's formats),
never in one pattern for all."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from aiogram.types import User
from babel.dates import format_date, format_skeleton, format_time, get_datetime_format

from bot.ui.dates import babel_locale, day_and_time, short_day, short_day_and_time
from tests.conftest import ROOT, Harness
from tests.fakes import FakeClock
from tests.helpers import onboard, report

ZONE = ZoneInfo("Europe/Amsterdam")
MOMENT = datetime(2026, 5, 7, 12, 30, tzinfo=UTC)  # Thursday 7 May 2026, 14:30 in Amsterdam
LOCAL = MOMENT.astimezone(ZONE)
LANGUAGES = sorted(path.parent.parent.name for path in ROOT.glob("locales/*/LC_MESSAGES/*.po"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_day_and_time_is_babels_full_day_and_short_time_joined_as_the_locale_joins_them(
    language: str,
) -> None:
    locale = babel_locale(language)
    day = format_date(LOCAL, "full", locale=locale)
    clock = format_time(LOCAL, "short", locale=locale)
    joined = str(get_datetime_format("medium", locale=locale)).format(clock, day)
    assert day_and_time(MOMENT, ZONE, language) == joined
    if language != "en":
        assert "Thursday" not in joined


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_short_day_and_time_names_the_month_in_the_language(language: str) -> None:
    locale = babel_locale(language)
    text = short_day_and_time(MOMENT, ZONE, language)
    assert format_skeleton("yMMMd", LOCAL, locale=locale) in text
    assert format_time(LOCAL, "short", locale=locale) in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Thursday, 7 May 2026, 14:30"),  # British, not "May 7" nor "2:30 PM"
        ("de", "Donnerstag, 7. Mai 2026, 14:30"),
        ("es", "jueves, 7 de mayo de 2026, 14:30"),
        ("pt", "quinta-feira, 7 de maio de 2026, 14:30"),
        ("ar", "الخميس، 7 مايو 2026، 2:30 م"),
    ],
)
def test_each_language_writes_the_day_its_own_way(language: str, expected: str) -> None:
    assert day_and_time(MOMENT, ZONE, language) == expected


def test_arabic_uses_the_arabic_comma_only() -> None:
    for text in (day_and_time(MOMENT, ZONE, "ar"), short_day_and_time(MOMENT, ZONE, "ar")):
        assert "," not in text and "،" in text


def test_a_button_day_is_short_and_in_the_language() -> None:
    day = LOCAL.date()
    assert [short_day(day, code) for code in ("en", "de", "es")] == ["7 May", "7. Mai", "7 may"]


async def test_a_german_resident_reads_when_the_desk_is_back_in_german(
    tg: Harness, clock: FakeClock
) -> None:
    karl = User(id=333, is_bot=False, first_name="Karl", language_code="de")
    clock.current = datetime(2026, 3, 6, 19, 0, tzinfo=UTC)  # Friday 20:00 in Amsterdam
    await onboard(tg, karl, "de")
    await report(tg, karl, area="east")
    texts = [call.text for call in tg.api.sent("sendMessage", karl.id)]
    assert any("Montag, 9. März 2026, 08:00" in text for text in texts), texts


async def test_an_arabic_resident_reads_when_the_desk_is_back_without_a_latin_comma(
    tg: Harness, clock: FakeClock
) -> None:
    amal = User(id=334, is_bot=False, first_name="Amal", language_code="ar")
    clock.current = datetime(2026, 3, 6, 19, 0, tzinfo=UTC)
    await onboard(tg, amal, "ar")
    await report(tg, amal, area="east")
    back = "الاثنين، 9 مارس 2026، 8:00 ص"
    assert any(back in call.text for call in tg.api.sent("sendMessage", amal.id))
