"""The sample pictures a visitor can send in the demo, drawn with Pillow.

The JPEG files in demo/static/pictures are this module's output; `python -m demo.pictures`
draws them again. At start-up they are registered as Telegram photos with stable file ids.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

FOLDER = Path(__file__).resolve().parent / "static" / "pictures"
SIZE = (480, 360)
THUMB_WIDTH = 160


@dataclass(frozen=True)
class Picture:
    name: str
    label: str

    @property
    def path(self) -> Path:
        return FOLDER / f"{self.name}.jpg"

    def file_ids(self) -> tuple[str, str]:
        """Stable ids of the thumbnail and the full size, as the bot sees them."""
        return (f"AgACAgDemo-{self.name}-s", f"AgACAgDemo-{self.name}-x")


CATALOGUE = (
    Picture("window", "Broken window"),
    Picture("bicycle", "Bicycle with a cut lock"),
    Picture("car", "Car with a smashed window"),
    Picture("graffiti", "Graffiti on a wall"),
)


def photo_object(picture: Picture) -> list[dict[str, Any]]:
    """The `photo` field of a message carrying `picture`: PhotoSize objects, smallest first."""
    width, height = SIZE
    size = picture.path.stat().st_size
    small, large = picture.file_ids()
    thumb_height = round(height * THUMB_WIDTH / width)
    return [
        {
            "file_id": small,
            "file_unique_id": f"demo{picture.name}s",
            "width": THUMB_WIDTH,
            "height": thumb_height,
            "file_size": size // 6,
        },
        {
            "file_id": large,
            "file_unique_id": f"demo{picture.name}x",
            "width": width,
            "height": height,
            "file_size": size,
        },
    ]


def register(files: dict[str, dict[str, Any]]) -> None:
    """Make every sample picture known to the emulator under its file ids."""
    for picture in CATALOGUE:
        entry = {
            "kind": "photo",
            "object": photo_object(picture),
            "path": f"photos/{picture.name}.jpg",
        }
        for file_id in picture.file_ids():
            files[file_id] = entry


def by_name(name: str) -> Picture | None:
    return next((p for p in CATALOGUE if p.name == name), None)


# -- drawing --------------------------------------------------------------------------------
def _night(
    draw: ImageDraw.ImageDraw, top: tuple[int, int, int], bottom: tuple[int, int, int]
) -> None:
    width, height = SIZE
    for y in range(height):
        t = y / height
        colour = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)


def _window(draw: ImageDraw.ImageDraw) -> None:
    _night(draw, (32, 44, 78), (70, 60, 80))
    draw.rectangle([60, 40, 420, 330], fill=(150, 120, 95))  # brick wall
    for row in range(0, 290, 22):
        offset = 0 if (row // 22) % 2 else 24
        for col in range(60 - offset, 420, 48):
            left, right = max(col, 60), min(col + 46, 420)
            draw.rectangle([left, 40 + row, right, 60 + row], outline=(120, 90, 70))
    draw.rectangle([150, 90, 330, 280], fill=(60, 50, 45))  # frame
    draw.rectangle([162, 102, 318, 268], fill=(25, 35, 55))  # dark glass
    centre = (230, 170)
    for angle in range(0, 360, 40):
        x = centre[0] + math.cos(math.radians(angle)) * 95
        y = centre[1] + math.sin(math.radians(angle)) * 80
        draw.line([centre, (x, y)], fill=(210, 225, 240), width=2)
    for radius in (18, 40):
        draw.ellipse(
            [centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius],
            outline=(200, 215, 235),
            width=2,
        )
    draw.polygon([(205, 150), (250, 140), (240, 195), (215, 190)], fill=(10, 12, 20))


def _bicycle(draw: ImageDraw.ImageDraw) -> None:
    _night(draw, (170, 200, 225), (215, 225, 230))
    draw.rectangle([0, 270, 480, 360], fill=(120, 125, 130))  # pavement
    for x in range(0, 480, 60):
        draw.line([(x, 270), (x - 30, 360)], fill=(100, 104, 110), width=2)
    draw.rectangle([365, 120, 380, 290], fill=(70, 75, 80))  # post
    wheels = ((150, 230), (300, 230))
    for x, y in wheels:
        draw.ellipse([x - 55, y - 55, x + 55, y + 55], outline=(30, 30, 35), width=6)
        draw.ellipse([x - 6, y - 6, x + 6, y + 6], fill=(30, 30, 35))
    frame = (200, 40, 50)
    draw.line([(150, 230), (210, 150), (285, 150), (300, 230)], fill=frame, width=7)
    draw.line([(210, 150), (225, 230), (150, 230)], fill=frame, width=7)
    draw.line([(225, 230), (285, 150)], fill=frame, width=7)
    draw.line([(205, 135), (230, 135)], fill=(30, 30, 35), width=8)  # saddle
    draw.line([(285, 150), (280, 118), (305, 112)], fill=(30, 30, 35), width=6)
    draw.arc([330, 175, 390, 235], 200, 320, fill=(240, 200, 40), width=7)  # cut lock
    draw.arc([345, 190, 405, 250], 20, 150, fill=(240, 200, 40), width=7)


def _car(draw: ImageDraw.ImageDraw) -> None:
    _night(draw, (25, 30, 60), (55, 55, 75))
    draw.rectangle([0, 280, 480, 360], fill=(45, 45, 50))
    draw.ellipse([360, 30, 400, 70], fill=(250, 240, 200))  # moon
    draw.line([(60, 280), (60, 90)], fill=(90, 90, 100), width=6)  # street light
    draw.polygon([(40, 90), (95, 90), (80, 105), (55, 105)], fill=(250, 220, 140))
    draw.polygon([(60, 105), (10, 280), (130, 280)], fill=(80, 75, 70))
    body = (40, 110, 170)
    draw.rounded_rectangle([110, 200, 430, 275], radius=22, fill=body)
    draw.polygon([(170, 200), (215, 150), (345, 150), (385, 200)], fill=body)
    draw.polygon([(190, 198), (222, 160), (275, 160), (275, 198)], fill=(140, 175, 210))
    draw.polygon([(285, 198), (285, 160), (340, 160), (368, 198)], fill=(20, 20, 30))
    for i in range(6):
        x = 295 + i * 11
        draw.line([(x, 165), (x + 12, 195)], fill=(200, 210, 230), width=1)
    for x in (175, 365):
        draw.ellipse([x - 32, 245, x + 32, 309], fill=(20, 20, 22))
        draw.ellipse([x - 14, 263, x + 14, 291], fill=(150, 150, 155))
    for i in range(9):
        x, y = 300 + i * 13 % 70, 300 + (i * 7) % 18
        draw.polygon([(x, y), (x + 6, y + 3), (x + 2, y + 7)], fill=(190, 205, 225))


def _graffiti(draw: ImageDraw.ImageDraw) -> None:
    draw.rectangle([0, 0, 480, 360], fill=(205, 200, 190))
    for row in range(0, 360, 30):
        draw.line([(0, row), (480, row)], fill=(185, 180, 170), width=2)
    draw.rectangle([0, 300, 480, 360], fill=(110, 115, 105))
    colours = ((220, 50, 120), (40, 160, 220), (250, 180, 30), (60, 170, 90))
    for index, colour in enumerate(colours):
        points = [
            (40 + step * 26, 120 + index * 28 + round(math.sin(step + index) * 35))
            for step in range(16)
        ]
        draw.line(points, fill=colour, width=12, joint="curve")
    draw.ellipse([330, 40, 430, 140], outline=(30, 30, 30), width=8)
    draw.line([(345, 125), (420, 55)], fill=(30, 30, 30), width=8)
    for x, y in ((90, 250), (150, 265), (260, 255), (330, 270)):
        draw.line([(x, y), (x, y + 30)], fill=(220, 50, 120), width=4)


DRAWINGS = {"window": _window, "bicycle": _bicycle, "car": _car, "graffiti": _graffiti}


def draw(picture: Picture) -> bytes:
    image = Image.new("RGB", SIZE)
    DRAWINGS[picture.name](ImageDraw.Draw(image))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=82, optimize=True)
    return buffer.getvalue()


def main() -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    for picture in CATALOGUE:
        picture.path.write_bytes(draw(picture))


if __name__ == "__main__":
    main()
