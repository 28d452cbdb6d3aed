"""The operator's one-off commands: a partner's Open311 services, area posters and the public
monthly report."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from bot.app.checks import ConfigError, network_of
from bot.config import Settings
from storage.db import create_engine, create_session_factory


def cmd_open311_services(settings: Settings, args: argparse.Namespace) -> None:
    """List the services of a partner's Open311 endpoint, to pick its `service_code`."""
    from bot.workflows.georeport import GeoReportClient, GeoReportError, api_key

    network = network_of(settings)
    desk = network.desks_by_code().get(args.subject or "")
    if desk is None or desk.open311 is None:
        endpoints = ", ".join(d.code for d in network.desks if d.open311) or "none"
        raise ConfigError(f"name a desk with an open311 endpoint (desks: {endpoints})")
    client = GeoReportClient(desk.open311, api_key(desk.open311))
    try:
        services = asyncio.run(client.services())
    except GeoReportError as exc:
        raise ConfigError(f"{desk.open311.url}services.json: {exc.reason}") from exc
    print(f"{desk.open311.url}services.json: {len(services)} services")  # noqa: T201
    for service in services:
        code = str(service.get("service_code", ""))
        mark = "*" if code == desk.open311.service_code else " "
        group = f" [{service['group']}]" if service.get("group") else ""
        about = f" — {service['description']}" if service.get("description") else ""
        print(f" {mark} {code:<16} {service.get('service_name', '')}{group}{about}")  # noqa: T201
    print("* = the service_code in the network file")  # noqa: T201


def cmd_poster(settings: Settings, args: argparse.Namespace) -> None:
    from bot.ui import i18n as catalogs
    from bot.ui.poster import render, write

    network = network_of(settings)
    area = network.area(args.subject or "")
    if area is None:
        codes = ", ".join(a.code for a in network.areas)
        raise ConfigError(f"unknown area {args.subject!r}; areas: {codes}")
    username = args.bot or settings.bot_username
    if not username:
        raise ConfigError("name the bot: --bot your_bot (or BOT_USERNAME in .env)")
    languages = args.languages.split(",") if args.languages else [network.default_language]
    i18n = catalogs.create_i18n(network.default_language, catalogs.LOCALES_DIR)
    page = render(area, username, languages, i18n, network.default_language)
    for path in write(page, Path(args.out or "posters"), area):
        print(f"wrote {path}")  # noqa: T201


def cmd_report(settings: Settings, args: argparse.Namespace) -> None:
    """Write the public monthly report of the whole network as a PDF."""
    from bot.clock import SystemClock
    from bot.domain.stats import PeriodError, parse_period
    from bot.ui import i18n as catalogs
    from bot.workflows.stats import public_report

    network = network_of(settings)
    now = SystemClock().now()
    try:
        period = parse_period(args.subject or "", now, network.zone)
    except PeriodError:
        period = None
    if period is None or not period.is_month:
        raise ConfigError(f"name the month as YYYY-MM, e.g. 2026-11 (not {args.subject!r})")
    i18n = catalogs.create_i18n(network.default_language, catalogs.LOCALES_DIR)
    language = args.language or network.default_language
    if language not in i18n.available_locales:
        known = ", ".join(sorted(i18n.available_locales))
        raise ConfigError(f"no translation for language {language!r}; languages: {known}")
    out = Path(args.out or f"report-{period.argument}.pdf")

    async def build() -> bytes:
        engine = create_engine(settings.database_url)
        try:
            async with create_session_factory(engine)() as session:
                report = await public_report(session, network, i18n, period, language, now)
        except DBAPIError as exc:
            msg = f"cannot read the database ({exc.orig}); a new one needs `python -m bot migrate`"
            raise ConfigError(msg) from exc
        finally:
            await engine.dispose()
        return report.pdf

    pdf = asyncio.run(build())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)
    print(f"wrote {out}")  # noqa: T201
