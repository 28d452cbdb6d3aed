"""Printable posters for notice boards: the area's name, a QR code of the deep link that
subscribes to its alerts, and a short explanation in the chosen languages (PNG and PDF)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import qrcode
from aiogram.utils.i18n import I18n
from PIL import Image, ImageDraw, ImageFont

from bot.network.areas import Area
from bot.ui.i18n import N_

A4_AT_150_DPI = (1240, 1754)
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)
POSTER_TEXT = N_("Scan the code to get police alerts for {area} in Telegram, and to report.")


def deep_link(bot_username: str, area: Area) -> str:
    return f"https://t.me/{bot_username.lstrip('@')}?start=area-{area.code}"


def _font(size: int, font_path: Path | None) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for candidate in (font_path, *map(Path, FONT_CANDIDATES)):
        if candidate is not None and candidate.exists():
            return ImageFont.truetype(str(candidate), size)
    return ImageFont.load_default(size=size)


def render(
    area: Area,
    bot_username: str,
    languages: Sequence[str],
    i18n: I18n,
    default_language: str,
    font_path: Path | None = None,
) -> Image.Image:
    width, height = A4_AT_150_DPI
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    title = _font(96, font_path)
    body = _font(40, font_path)
    name = area.name(languages[0] if languages else default_language, default_language)
    draw.text((width // 2, 140), name, font=title, fill="black", anchor="mm")
    code = qrcode.make(deep_link(bot_username, area), box_size=20, border=2).get_image()
    code = code.convert("RGB").resize((760, 760))
    page.paste(code, ((width - 760) // 2, 260))
    y = 1080
    for language in languages:
        local_name = area.name(language, default_language)
        text = i18n.gettext(POSTER_TEXT, locale=language).format(area=local_name)
        for line in _wrap(text, body, draw, width - 160):
            draw.text((width // 2, y), line, font=body, fill="black", anchor="mm")
            y += 52
        y += 24
    draw.text(
        (width // 2, height - 80),
        deep_link(bot_username, area),
        font=_font(28, font_path),
        fill="#555555",
        anchor="mm",
    )
    return page


def _wrap(
    text: str,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
    draw: ImageDraw.ImageDraw,
    width: int,
) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def write(page: Image.Image, directory: Path, area: Area) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    png, pdf = directory / f"poster-{area.code}.png", directory / f"poster-{area.code}.pdf"
    page.save(png)
    page.save(pdf, resolution=150.0)
    return [png, pdf]
