"""The coordinators' live view of an alert going out: a progress bar with sent/total, failures,
residents who blocked the bot, the rate and the time left, in the network's language."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.ui.i18n import _
from bot.ui.texts import fmt

BAR_CELLS = 10


@dataclass(frozen=True)
class Progress:
    """Where a sending stands `seconds` after it started."""

    announcement_id: int
    total: int
    sent: int
    failed: int
    blocked: int
    unknown: int
    held: int  # pending, but waiting for the residents' quiet hours to end
    seconds: float

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.blocked + self.unknown

    @property
    def rate(self) -> float | None:
        """Alerts handled per second so far."""
        return self.done / self.seconds if self.seconds > 0 and self.done else None

    @property
    def seconds_left(self) -> float | None:
        """For the alerts that may go now; those held for quiet hours wait for the morning."""
        rate = self.rate
        if rate is None:
            return None
        return max(0, self.total - self.done - self.held) / rate


def bar(done: int, total: int) -> str:
    """▓▓▓▓░░░░░░ 40%"""
    share = done / total if total else 1.0
    filled = min(BAR_CELLS, math.floor(share * BAR_CELLS))
    return "▓" * filled + "░" * (BAR_CELLS - filled) + f" {math.floor(share * 100)}%"


def duration(seconds: float) -> str:
    if seconds < 90:
        return _("{seconds} s").format(seconds=math.ceil(seconds))
    if seconds < 90 * 60:
        return _("{minutes} min").format(minutes=math.ceil(seconds / 60))
    return _("{hours} h").format(hours=round(seconds / 3600, 1))


def progress_text(progress: Progress) -> str:
    lines = [
        "<b>"
        + fmt(_("📣 Sending announcement #{number}"), number=progress.announcement_id)
        + "</b>",
        bar(progress.done, progress.total),
        fmt(
            _("Sent: {sent} of {total} · failed: {failed} · blocked: {blocked}"),
            sent=progress.sent,
            total=progress.total,
            failed=progress.failed,
            blocked=progress.blocked,
        ),
    ]
    if progress.unknown:
        lines.append(fmt(_("Unknown (interrupted): {count}"), count=progress.unknown))
    if progress.held:
        lines.append(fmt(_("Waiting for quiet hours to end: {count}"), count=progress.held))
    rate, left = progress.rate, progress.seconds_left
    if rate is not None and left is not None:
        lines.append(
            fmt(
                _("{rate} a second · about {time} left"),
                rate=f"{rate:.1f}",
                time=duration(left),
            )
        )
    return "\n".join(lines)
