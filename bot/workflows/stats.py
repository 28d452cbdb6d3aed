"""Statistics end to end: read the figures (read-only), then draw them off the event loop.

`python -m bot report` calls `public_report`; tests call both. Neither sends anything: the
caller decides where the result goes. In Telegram, /stats and /report go through the outbox
(bot.workflows.insights), which closes its session before drawing.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.stats import Period, Scope, collect
from bot.network.schema import Network
from bot.ui.charts import PublicReport, StatsReport, render_report, render_stats


async def stats_report(
    session: AsyncSession,
    network: Network,
    i18n: I18n,
    scope: Scope,
    period: Period,
    language: str,
    now: datetime,
) -> StatsReport:
    """Caption (HTML), PNG album and CSV of one desk's or the whole network's figures."""
    figures = await collect(session, network, scope, period, now)
    # Drawing takes a few hundred milliseconds of CPU; other updates keep flowing meanwhile.
    return await asyncio.to_thread(render_stats, figures, network, i18n, language)


async def public_report(
    session: AsyncSession,
    network: Network,
    i18n: I18n,
    period: Period,
    language: str,
    now: datetime,
) -> PublicReport:
    """The printable report of the whole network for `period` (a PDF without personal data)."""
    figures = await collect(session, network, Scope(), period, now)
    return await asyncio.to_thread(render_report, figures, network, i18n, language)
