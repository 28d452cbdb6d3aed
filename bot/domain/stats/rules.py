"""Who may see which figures (a scope per chat) and the "< 5" rule that keeps small counts from
pointing at a resident."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from bot.network.schema import Network

SMALL_CELL = 5  # counts below this (and above 0) are shown as "< 5"
HIDDEN = "< 5"


@dataclass(frozen=True)
class Scope:
    """One desk's figures, or (desk None) the whole network with a per-desk breakdown."""

    desk: str | None = None

    @property
    def everything(self) -> bool:
        return self.desk is None


def scope_for_chat(network: Network, chat_id: int) -> Scope | None:
    """What /stats shows in a chat: its desk's figures, everything for the coordinators."""
    if network.coordinators_chat_id is not None and chat_id == network.coordinators_chat_id:
        return Scope()
    desk = network.desk_for_chat(chat_id)
    return Scope(desk.code) if desk is not None else None


# -- the "< 5" rule --------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """A count as it may be published: `count` is None when 1 to 4 cases fall in it."""

    count: int | None

    @property
    def hidden(self) -> bool:
        return self.count is None

    @property
    def height(self) -> int:
        """What a chart may draw: nothing for a hidden cell."""
        return self.count or 0

    def text(self) -> str:
        return HIDDEN if self.count is None else str(self.count)


def publishable(count: int) -> Cell:
    """Apply the rule: 0 and 5 or more are shown, 1 to 4 are hidden."""
    return Cell(None if 0 < count < SMALL_CELL else count)


def cells(counts: Counter[str], order: Iterable[str], keep_zero: bool = True) -> dict[str, Cell]:
    """Counts in `order` (then codes not in it, sorted), each through the rule.

    The order never depends on the counts, so the order of hidden cells reveals nothing.
    """
    ordered = list(dict.fromkeys(order))
    ordered += sorted(code for code in counts if code not in ordered)
    return {code: publishable(counts[code]) for code in ordered if keep_zero or counts[code] > 0}
