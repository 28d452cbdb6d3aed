"""The anonymity key at work: the link from an anonymous case to its resident is sealed, so a
dump or backup of the database alone cannot tell who reported it; the bot, holding the key, still
reaches the resident.

What is sealed, with AES-256-GCM (a random nonce per value, so equal values never look alike):
- `case_seal.sealed`: the resident (citizen id) behind one anonymous case;
- `citizen.sealed_cases`: the ids of that resident's anonymous cases, padded so that every
  resident's value has the same length whether they have none or a few;
- `case_ban.sealed_person`: the Telegram id behind a ban that outlived /forget.
Each value is bound to its row (the associated data names it, e.g. "case:42"), so a value copied
onto another row does not open.

In an anonymous case's messages the resident's chat id is never stored: the message is keyed by
a blind id instead, a keyed hash of (chat, message) that the bot can compute from an incoming
update but that tells a reader of the database nothing and differs for every message. Its
message id is not stored as it is either (message ids count per chat, so a resident's other
messages would show where theirs fit): it is masked with a keyed pad drawn from the blind id,
and the bot unmasks it where it needs it (to correct its copy in the resident's chat).

Every session of the bot carries the key (`create_session_factory(engine, sealer)` puts it in
`session.info`), so repositories reach it where they need it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.ext.asyncio import AsyncSession

KEY_BYTES = 32
NONCE_BYTES = 12
VERSION = b"\x01"
SESSION_KEY = "sealer"
# Sealed case lists are padded to a multiple of this many bytes (about 20 case ids).
CASE_LIST_BLOCK = 160
# Blind ids live below every chat id Telegram uses (supergroups are about -10**12): in
# [-2**63 + 1, -2**62], so they can never be mistaken for a real chat.
BLIND_BASE = 1 << 62
BLIND_SPAN = (1 << 62) - 1


class AnonymityKeyError(ValueError):
    """ANONYMITY_KEY is missing or malformed; the message says how to make one."""


class SealBroken(ValueError):  # noqa: N818 - a state of the data, not a programming error
    """A sealed value does not open with this key (another key, or the value was moved)."""


def new_key() -> str:
    """A fresh anonymity key, as ANONYMITY_KEY takes it (URL-safe base64 of 32 random bytes)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def parse_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        msg = "ANONYMITY_KEY is not URL-safe base64; make one with `python -m bot new-key`"
        raise AnonymityKeyError(msg) from exc
    if len(key) != KEY_BYTES:
        msg = (
            f"ANONYMITY_KEY must hold {KEY_BYTES} bytes, not {len(key)}; make one with "
            "`python -m bot new-key`"
        )
        raise AnonymityKeyError(msg)
    return key


def _derive(key: bytes, purpose: bytes) -> bytes:
    """One key per purpose from the one secret, so sealing and blinding never share a key."""
    return hmac.new(key, b"beatline/" + purpose, hashlib.sha256).digest()


class Sealer:
    """Seals and opens small values with the anonymity key, and computes blind ids."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            msg = f"an anonymity key has {KEY_BYTES} bytes"
            raise AnonymityKeyError(msg)
        self._aead = AESGCM(_derive(key, b"seal"))
        self._blind_key = _derive(key, b"blind")
        self._mask_key = _derive(key, b"mask")

    @classmethod
    def from_text(cls, text: str) -> Sealer:
        return cls(parse_key(text))

    # -- sealed values -----------------------------------------------------------------------
    def seal(self, plain: bytes, where: str) -> str:
        """`plain` encrypted for the row `where` names; text, safe for any column."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plain, where.encode())
        return base64.urlsafe_b64encode(VERSION + nonce + sealed).decode("ascii")

    def unseal(self, token: str, where: str) -> bytes:
        """The plain value; SealBroken if the key is another or the value belongs elsewhere."""
        try:
            raw = base64.urlsafe_b64decode(token.encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
            raise SealBroken(where) from exc
        if raw[:1] != VERSION or len(raw) < 1 + NONCE_BYTES:
            raise SealBroken(where)
        try:
            nonce, sealed = raw[1 : 1 + NONCE_BYTES], raw[1 + NONCE_BYTES :]
            return self._aead.decrypt(nonce, sealed, where.encode())
        except InvalidTag as exc:
            raise SealBroken(where) from exc

    def seal_int(self, value: int, where: str) -> str:
        return self.seal(str(value).encode("ascii"), where)

    def unseal_int(self, token: str, where: str) -> int:
        return int(self.unseal(token, where).decode("ascii"))

    def seal_case_ids(self, case_ids: Iterable[int], citizen_id: int) -> str:
        """A resident's anonymous cases, padded so the length says (almost) nothing."""
        plain = json.dumps(sorted(set(case_ids)), separators=(",", ":")).encode("ascii")
        padded = plain + b" " * (-len(plain) % CASE_LIST_BLOCK)
        return self.seal(padded, f"citizen:{citizen_id}")

    def unseal_case_ids(self, token: str | None, citizen_id: int) -> set[int]:
        if not token:
            return set()
        found = json.loads(self.unseal(token, f"citizen:{citizen_id}").decode("ascii").strip())
        return {int(case_id) for case_id in found}

    # -- blind ids ---------------------------------------------------------------------------
    def blind(self, chat_id: int, message_id: int) -> int:
        """The id stored instead of a resident's chat for one message of an anonymous case:
        computable again from the same (chat, message), unlinkable to any other message."""
        digest = hmac.new(
            self._blind_key, f"{chat_id}:{message_id}".encode("ascii"), hashlib.sha256
        ).digest()
        return -(BLIND_BASE + int.from_bytes(digest[:8], "big") % BLIND_SPAN)

    def mask(self, blind_id: int, message_id: int) -> int:
        """The message id stored beside `blind_id`: below zero (where no message id is), and
        without the key as good as random, since every blind id draws another pad."""
        return -1 - (message_id ^ self._pad(blind_id))

    def unmask(self, blind_id: int, masked: int) -> int:
        """The message id `mask` hid beside `blind_id`."""
        return (-1 - masked) ^ self._pad(blind_id)

    def _pad(self, blind_id: int) -> int:
        digest = hmac.new(self._mask_key, str(blind_id).encode("ascii"), hashlib.sha256).digest()
        return int.from_bytes(digest[:8], "big") >> 2  # 62 bits: the mask fits a BIGINT


def is_blind(chat_id: int | None) -> bool:
    return chat_id is not None and chat_id <= -BLIND_BASE


def is_masked(message_id: int | None) -> bool:
    return message_id is not None and message_id < 0


def scrambled_chat() -> int:
    """A blind id nobody can compute again: for messages whose resident was forgotten."""
    return -(BLIND_BASE + secrets.randbelow(BLIND_SPAN))


def optional_sealer(session: AsyncSession) -> Sealer | None:
    """The session's key, or None for a session made without one (tools, some tests)."""
    return sealer_in(session.info)


def sealer_in(info: Mapping[str, Any]) -> Sealer | None:
    """The key kept in a session's info (or a session factory's, which its sessions get)."""
    sealer = info.get(SESSION_KEY)
    return sealer if isinstance(sealer, Sealer) else None


def sealer_of(session: AsyncSession) -> Sealer:
    """The key this session's factory was given; an error that says so if it has none."""
    sealer = optional_sealer(session)
    if sealer is None:
        msg = "this database session has no anonymity key (create_session_factory(…, sealer))"
        raise RuntimeError(msg)
    return sealer
