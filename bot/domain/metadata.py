"""Removing what a file says about its maker before an anonymous resident's file reaches a desk.

Only the formats where the metadata is a well-delimited part of the file are cleaned, and
losslessly (the picture itself is copied byte for byte, so it keeps its worth as evidence):
JPEG loses its EXIF/XMP segments (APP1, the camera, the time, often the GPS position), the
APP3–APP15 segments and comments; PNG loses its text, time and EXIF chunks. Other files (PDF,
office documents, videos) keep what is inside them: the resident is told so before sending.
"""

from __future__ import annotations

import struct

JPEG_START = b"\xff\xd8"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# JPEG markers: APP0 (JFIF) and APP2 (colour profile) stay; the other APPn and COM go.
_JPEG_DROPPED = frozenset({0xE1, *range(0xE3, 0xF0), 0xFE})
_JPEG_START_OF_SCAN = 0xDA
_JPEG_END = 0xD9
# Markers without a length field (RST0–7, TEM): they carry no data.
_JPEG_BARE = frozenset({0x01, *range(0xD0, 0xD8)})
_PNG_DROPPED = frozenset({b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"})


def without_metadata(data: bytes) -> bytes:
    """`data` with its maker's metadata removed where the format allows; else unchanged."""
    if data.startswith(JPEG_START):
        return _jpeg(data)
    if data.startswith(PNG_SIGNATURE):
        return _png(data)
    return data


def _jpeg(data: bytes) -> bytes:
    kept = bytearray(JPEG_START)
    at = len(JPEG_START)
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return data  # not the segment structure we expect: leave the file as it was
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte before a marker
            at += 1
            continue
        if marker in _JPEG_BARE:
            kept += data[at : at + 2]
            at += 2
            continue
        if marker in (_JPEG_START_OF_SCAN, _JPEG_END):
            kept += data[at:]  # the image data itself, copied as it is
            return bytes(kept)
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        end = at + 2 + length
        if length < 2 or end > len(data):
            return data
        if marker not in _JPEG_DROPPED:
            kept += data[at:end]
        at = end
    return data


def _png(data: bytes) -> bytes:
    kept = bytearray(PNG_SIGNATURE)
    at = len(PNG_SIGNATURE)
    while at + 12 <= len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        end = at + 12 + length
        if end > len(data):
            return data
        if kind not in _PNG_DROPPED:
            kept += data[at:end]
        at = end
        if kind == b"IEND":
            return bytes(kept)
    return data
