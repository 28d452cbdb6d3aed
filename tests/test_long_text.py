"""Long formatted texts are cut into pieces Telegram takes: never inside a tag or an `&…;`
entity, with formatting closed before a cut and opened again after it."""

from __future__ import annotations

from aiogram.types import MessageEntity, User
from aiogram.utils.text_decorations import html_decoration
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.ui.long_text import shown_length, split_plain, split_text
from demo.html_text import parse_html
from storage.models import Case
from tests.conftest import CENTRAL, Harness
from tests.helpers import onboard, report

BREAKS = "\n "


def plain(markup: str) -> str:
    return parse_html(markup)[0]


def same_words(pieces: list[str], original: str) -> bool:
    """The pieces hold the original's characters in order, less breaks dropped at the cuts."""
    return "".join(plain(piece) for piece in pieces).replace("\n", "").replace(" ", "") == (
        original.replace("\n", "").replace(" ", "")
    )


def test_a_bold_text_is_closed_and_opened_again_at_each_cut() -> None:
    words = " ".join(["fact&<detail>"] * 40)
    markup = f"<b>{html_decoration.quote(words)}</b>"

    pieces = split_text(markup, 100)

    assert len(pieces) > 1
    for piece in pieces:
        assert piece.startswith("<b>") and piece.endswith("</b>")
        assert shown_length(piece) <= 100
        [entity] = parse_html(piece)[1]  # valid HTML, bold from end to end
        assert entity["type"] == "bold"
    assert same_words(pieces, words)


def test_a_cut_never_falls_inside_an_escaped_character() -> None:
    markup = html_decoration.quote("&" * 30)  # "&amp;" thirty times, no place to break

    pieces = split_text(markup, 7)

    assert [plain(piece) for piece in pieces] == ["&" * 7] * 4 + ["&" * 2]
    assert all(piece == "&amp;" * len(plain(piece)) for piece in pieces)


def test_nested_formatting_and_links_survive_a_cut() -> None:
    markup = (
        '<i>intro <b>very <a href="https://politie.nl/x?a=1&amp;b=2">long link text '
        + "word " * 30
        + "end</a> after</b> tail</i>"
    )

    pieces = split_text(markup, 60)

    assert len(pieces) > 2
    for piece in pieces:
        text, entities = parse_html(piece)
        assert len(text) <= 60
        links = [e for e in entities if e["type"] == "text_link"]
        assert all(e["url"] == "https://politie.nl/x?a=1&b=2" for e in links)


def test_emoji_count_twice_as_telegram_counts_them() -> None:
    pieces = split_text("🚓" * 10, 7)

    assert pieces == ["🚓🚓🚓"] * 3 + ["🚓"]


def test_a_text_that_fits_is_left_as_it_is() -> None:
    markup = "<b>short &amp; sweet</b>"

    assert split_text(markup) == [markup]


def test_plain_text_with_markup_characters_is_cut_as_plain_text() -> None:
    text = "a <b> & c " * 50

    pieces = split_plain(text, 40)

    assert all(len(piece) <= 40 for piece in pieces)
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")


FORMATS = ("bold", "italic", "underline", "strikethrough", "spoiler", "code", "blockquote")
ALPHABET = st.characters(codec="utf-8") | st.sampled_from(list("<>&; \n🚓\u200d\u200f"))


@st.composite
def formatted(draw: st.DrawFn) -> str:
    """A text as aiogram renders a message with entities (nested or apart, never crossing)."""
    text = draw(st.text(ALPHABET, min_size=1, max_size=600))

    def units(end: int) -> int:  # entity offsets count UTF-16 units, not characters
        return len(text[:end].encode("utf-16-le")) // 2

    entities: list[MessageEntity] = []
    start = 0
    while start < len(text) - 1 and len(entities) < 12:
        start += draw(st.integers(0, max(0, len(text) // 4)))
        end = start + draw(st.integers(1, max(1, len(text) // 3)))
        if end > len(text):
            break
        kind = draw(st.sampled_from(FORMATS))
        offset, length = units(start), units(end) - units(start)
        entities.append(MessageEntity(type=kind, offset=offset, length=length))
        if draw(st.booleans()) and end - start > 2:  # one nested inside
            inner = units(end - 1) - units(start + 1)
            entities.append(MessageEntity(type="bold", offset=units(start + 1), length=inner))
        start = end
    return html_decoration.unparse(text, entities)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(markup=formatted(), limit=st.integers(8, 200))
def test_every_piece_of_any_formatted_text_is_valid_html_within_the_limit(
    markup: str, limit: int
) -> None:
    original = plain(markup)

    pieces = split_text(markup, limit)

    for piece in pieces:
        text = plain(piece)  # raises, as Telegram refuses, if a cut broke the HTML
        if len(pieces) > 1:
            assert text.strip()
            assert len(text.encode("utf-16-le")) // 2 <= max(limit, 2)
    assert same_words(pieces, original) or not original.strip()


async def test_a_long_formatted_staff_message_reaches_the_resident_in_valid_pieces(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    async with session_factory() as session:
        case = (await session.scalars(select(Case))).one()
    tg.api.clear()
    text = ("Tip & <b>odd</b> detail; " * 170)[:4096]  # typed by the officer, not formatting
    entities = [
        MessageEntity(type="bold", offset=0, length=4096),
        MessageEntity(type="italic", offset=3996, length=100),
    ]

    await tg.staff(CENTRAL, case.thread_id, officer, text, entities=entities)

    parts = tg.api.sent("sendMessage", alice.id)
    assert len(parts) == 2
    assert tg.api.refused == []
    assert parts[0].text.startswith("<b>👮 Police</b> · BL-26-00001\n<b>Tip &amp; &lt;b&gt;odd")
    assert parts[1].text.startswith("<b>") and parts[1].text.endswith("</i></b>")
    words = "".join(plain(p.text) for p in parts).removeprefix("👮 Police · BL-26-00001\n")
    assert words.replace(" ", "") == text.replace(" ", "")
