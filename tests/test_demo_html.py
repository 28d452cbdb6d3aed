"""The demo emulator reads Telegram's HTML parse mode as Telegram does: plain text, entities
with UTF-16 offsets, and Telegram's refusals."""

from __future__ import annotations

import pytest
from aiogram.types import MessageEntity

from demo.html_text import ParseError, command_entities, parse_html


def test_nested_tags_become_entities_counted_in_utf16_units() -> None:
    text, entities = parse_html(
        "👮 <b>Case <i>BL-26-00001</i></b> &amp; <a href='https://x.org/?a=1&amp;b=2'>map</a>"
    )

    assert text == "👮 Case BL-26-00001 & map"
    parsed = [MessageEntity.model_validate(e) for e in entities]
    assert [(e.type, e.extract_from(text)) for e in parsed] == [
        ("bold", "Case BL-26-00001"),
        ("italic", "BL-26-00001"),
        ("text_link", "map"),
    ]
    assert parsed[2].url == "https://x.org/?a=1&b=2"


def test_numeric_entities_and_a_lone_ampersand_are_kept_as_text() -> None:
    assert parse_html("Tom &#38; Jerry &#x1F46E; & co") == ("Tom & Jerry 👮 & co", [])


@pytest.mark.parametrize(
    ("markup", "reason"),
    [
        ("Hello <Bob", 'Unsupported start tag "bob" at byte offset 6'),
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("a &nbsp; b", 'Unsupported HTML entity "&nbsp;" at byte offset 2'),
    ],
)
def test_markup_telegram_cannot_parse_is_refused_with_its_reason(markup: str, reason: str) -> None:
    with pytest.raises(ParseError) as error:
        parse_html(markup)

    assert str(error.value) == reason


def test_a_typed_command_is_marked_like_a_telegram_client_marks_it() -> None:
    assert command_entities("/refer housing") == [
        {"type": "bot_command", "offset": 0, "length": 6}
    ]
    assert command_entities("see /refer") == []
