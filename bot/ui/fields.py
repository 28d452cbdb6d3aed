"""Bounds on what callback data carry. Anyone can send a bot any callback data, so numbers are
range-checked where the CallbackData is declared: a forged button (a rating of 6, an id that is
negative or beyond the database's integers) does not match its class, and no handler sees it;
the last router answers it calmly (handlers.fallback)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

ROW_ID_MAX = 2**31 - 1  # ids are INTEGER columns, 32 bits on PostgreSQL

RowId = Annotated[int, Field(ge=1, le=ROW_ID_MAX)]
"""A database row's id (a case, a referral, a delivery)."""

RowIdOrNone = Annotated[int, Field(ge=0, le=ROW_ID_MAX)]
"""A row's id, or 0 for none."""

Score = Annotated[int, Field(ge=1, le=5)]
"""Stars of a rating, or a pulse answer."""

Flags = Annotated[int, Field(ge=0, le=255)]
"""A small set of choices carried as bits (e.g. what a resident adds to a referral)."""
