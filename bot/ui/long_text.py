"""Texts longer than Telegram takes in one message, cut into pieces it does take.

Telegram counts a message's length after its HTML is parsed (tags do not count, `&amp;` is one
character) and, in its apps, in UTF-16 code units, so an emoji such as 🚓 counts twice; the
pieces here are measured the same way, which is never more than Telegram allows. A cut never
falls inside a tag or an `&…;` entity: formatting that is open where a text is cut is closed at
the end of the piece and opened again at the start of the next, so each piece is valid HTML.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from aiogram.utils.text_decorations import html_decoration

TELEGRAM_TEXT_LIMIT = 4096
TELEGRAM_CAPTION_LIMIT = 1024

# A tag, an entity, or one character (a lone "<" or "&" that is neither stays a character).
_TOKEN = re.compile(
    r"<(?P<closing>/?)(?P<name>[a-zA-Z][a-zA-Z0-9-]*)[^>]*>"
    r"|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{0,30});"
    r"|.",
    re.DOTALL,
)
_EMPTY_PAIR = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)(?:\s[^>]*)?></\1>")
BREAKS = "\n "  # dropped where a text is cut, as a reader would not miss them


def telegram_length(text: str) -> int:
    """The length of plain `text` as Telegram limits it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class _Token:
    raw: str
    shown: str  # what a reader sees ("" for a tag)
    tag: str | None = None
    closing: bool = False


def _tokens(markup: str) -> list[_Token]:
    tokens = []
    for match in _TOKEN.finditer(markup):
        raw = match.group(0)
        if match.group("name") is not None:
            name = match.group("name").lower()
            tokens.append(_Token(raw, "", name, bool(match.group("closing"))))
        elif raw.startswith("&") and len(raw) > 1:
            tokens.append(_Token(raw, html.unescape(raw)))
        else:
            tokens.append(_Token(raw, raw))
    return tokens


def shown_length(markup: str) -> int:
    """The length of HTML `markup` as Telegram counts it once the tags are parsed."""
    return sum(telegram_length(token.shown) for token in _tokens(markup))


def _cuts(shown: list[str], limit: int) -> tuple[set[int], set[int]]:
    """Where the shown characters are cut (the index each new piece starts at), and the
    indexes of characters left out: breaks at a cut, and pieces that would show nothing."""
    widths = [telegram_length(char) for char in shown]
    cuts: set[int] = set()
    dropped: set[int] = set()
    start, total = 0, len(shown)
    while True:
        end, used = start, 0
        while end < total and used + widths[end] <= limit:
            used += widths[end]
            end += 1
        end = max(end, start + 1)  # a character wider than the limit still moves on
        cut, at_break = end, False
        if end < total:
            text = "".join(shown[start:end])
            for sign in BREAKS:
                found = text.rfind(sign)
                if found >= (end - start) // 2:
                    cut, at_break = start + found, True
                    break
        if not "".join(shown[start:cut]).strip():
            dropped.update(range(start, cut))
        if cut >= total:
            return cuts, dropped
        cuts.add(cut)
        start = cut
        while at_break and start < total and shown[start] in BREAKS:
            dropped.add(start)
            start += 1
        if start >= total:
            return cuts, dropped


def split_text(markup: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Cut HTML `markup` into pieces of at most `limit` shown characters (see the module
    docstring), preferring line breaks, then spaces; a text that fits is returned as it is."""
    if telegram_length(markup) <= limit:  # tags and entities only ever shorten what shows
        return [markup]
    tokens = _tokens(markup)
    shown = [token.shown for token in tokens if token.tag is None]
    if sum(telegram_length(char) for char in shown) <= limit:
        return [markup]
    cuts, dropped = _cuts(shown, limit)
    result: list[str] = []
    current: list[str] = []
    open_tags: list[tuple[str, str]] = []  # (name, opening tag), from the outside in
    index = 0
    for token in tokens:
        if token.tag is not None:
            current.append(token.raw)
            if not token.closing:
                open_tags.append((token.tag, token.raw))
            elif open_tags and open_tags[-1][0] == token.tag:
                open_tags.pop()
            continue
        if index in cuts:
            result.append(_finish(current, open_tags))
            current = [raw for _name, raw in open_tags]
        if index not in dropped:
            current.append(token.raw)
        index += 1
    result.append(_finish(current, open_tags))
    return [piece for piece in result if html.unescape(_strip_tags(piece)).strip()] or [""]


def _finish(parts: list[str], open_tags: list[tuple[str, str]]) -> str:
    closing = "".join(f"</{name}>" for name, _raw in reversed(open_tags))
    piece = "".join(parts) + closing
    while True:
        tidier = _EMPTY_PAIR.sub("", piece)
        if tidier == piece:
            return piece
        piece = tidier


def _strip_tags(markup: str) -> str:
    return "".join(token.raw for token in _tokens(markup) if token.tag is None)


def split_plain(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Cut plain `text` the same way (the pieces are plain text too)."""
    return [html.unescape(piece) for piece in split_text(html_decoration.quote(text), limit=limit)]
