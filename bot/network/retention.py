"""How long Beatline keeps what it stores: the `[retention]` table of the network file (see
bot.workflows.erasure for the sweep that applies it)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from bot.network.base import Strict


class Retention(Strict):
    """Periods, in days, after which data is pseudonymised or removed.

    `closed_cases_days`: a case closed this long ago loses the link to its resident (the case
    itself stays for the police: category, area, words, outcome), exact points are rounded to
    about 500 m and typed addresses dropped. `update_proofs_days`: the ids of handled Telegram
    updates (kept only to skip a redelivery). `alert_deliveries_days`: who got which alert
    (the counts stay). `drafts_days`: an unfinished report in the conversation state.
    """

    closed_cases_days: int = Field(default=180, ge=1, le=3650)
    update_proofs_days: int = Field(default=7, ge=2, le=365)
    alert_deliveries_days: int = Field(default=30, ge=1, le=3650)
    drafts_days: int = Field(default=1, ge=1, le=30)

    @property
    def drafts(self) -> timedelta:
        return timedelta(days=self.drafts_days)
