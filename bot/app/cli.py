"""The command line: `python -m bot run | migrate | check-config | new-key | poster | report |
open311-services`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

from aiogram.utils.token import TokenValidationError, validate_token
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from bot.app import extras
from bot.app.logs import configure_logging
from bot.config import Settings
from bot.network.analysis import analyse
from bot.network.base import NetworkError
from bot.network.schema import Network, load_network
from storage import migrate
from storage.db import create_engine, create_session_factory
from storage.sealing import AnonymityKeyError, new_key

logger = logging.getLogger("bot")

NO_TOKEN = """\
BOT_TOKEN is not set.
  1. In Telegram, open @BotFather, send /newbot and follow the steps; it answers with a token
     like 123456789:AAE...
  2. Put it in the file .env in this folder:  BOT_TOKEN=123456789:AAE...
     (copy .env.example to .env to start from a file that lists every setting)
"""


STOP_WITHIN_S = 9.0


class ConfigError(Exception):
    """Settings or network file are unusable; the message says what to fix."""


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        lines = [
            f"  {'.'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        ]
        raise ConfigError(
            "settings (.env / environment) have problems:\n" + "\n".join(lines)
        ) from exc


def require_token(settings: Settings) -> str:
    if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
        raise ConfigError(NO_TOKEN)
    token = settings.bot_token.get_secret_value().strip()
    try:
        validate_token(token)
    except TokenValidationError as exc:
        msg = (
            "BOT_TOKEN does not look like a token from @BotFather (digits, a colon, then letters)"
        )
        raise ConfigError(msg) from exc
    return token


def require_key(settings: Settings) -> None:
    """The anonymity key must be there, and well formed, before anything runs."""
    from bot.app.runtime import anonymity_sealer

    try:
        anonymity_sealer(settings)
    except AnonymityKeyError as exc:
        raise ConfigError(str(exc)) from exc


def network_of(settings: Settings) -> Network:
    try:
        return load_network(settings.network_file)
    except NetworkError as exc:
        raise ConfigError(str(exc)) from exc


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


def cmd_run(settings: Settings) -> None:
    from bot.app.runtime import run_polling, run_webhook
    from bot.app.startup import StartupError

    token = require_token(settings)
    require_key(settings)
    network_of(settings)
    problems = settings.several_processes_problems()
    if problems:
        raise ConfigError("\n".join(problems))
    if settings.webhook_url:
        if not settings.webhook_url.startswith("https://"):
            raise ConfigError("WEBHOOK_URL must be an https:// address Telegram can reach")
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
        if len(secret) < 16:
            raise ConfigError("WEBHOOK_SECRET must be set (at least 16 characters) with a webhook")
    runner = run_webhook if settings.webhook_url else run_polling

    async def until_signalled() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        running = asyncio.create_task(runner(settings, token, stop=stop))
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait({running, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if not running.done():
            # An orderly stop takes under ten seconds; a start-up call Telegram never answers
            # is cut short instead.
            done, _ = await asyncio.wait({running}, timeout=STOP_WITHIN_S)
            if not done:
                running.cancel()
                await asyncio.gather(running, return_exceptions=True)
                return
        running.result()

    try:
        asyncio.run(until_signalled())
    except StartupError as exc:
        raise ConfigError(str(exc)) from exc


def cmd_new_key(settings: Settings) -> None:
    """Print a fresh ANONYMITY_KEY (nothing is stored: the operator keeps it)."""
    print(new_key())  # noqa: T201


def cmd_migrate(settings: Settings) -> None:
    asyncio.run(_migrate(settings.database_url))
    print(f"database at {settings.database_url.split('@')[-1]} is up to date")  # noqa: T201


def cmd_check_config(settings: Settings) -> None:
    problems: list[str] = []
    try:
        require_token(settings)
    except ConfigError as exc:
        problems.append(str(exc))
    try:
        require_key(settings)
    except ConfigError as exc:
        problems.append(str(exc))
    try:
        network = network_of(settings)
    except ConfigError as exc:
        problems.append(str(exc))
    else:
        print(  # noqa: T201
            f"{settings.network_file}: {len(network.areas)} areas, {len(network.categories)} "
            f"categories, {len(network.desks)} desks; default desk {network.default_desk}"
        )
        for desk in network.desks:
            where = [f"chat {', '.join(str(chat) for chat in desk.groups)}"] if desk.groups else []
            if desk.open311 is not None:
                where.append(f"open311 {desk.open311.url} service {desk.open311.service_code}")
            print(  # noqa: T201
                f"  {desk.code:<20} {desk.kind.value:<8} "
                f"{'; '.join(where)}  "
                f"languages: {', '.join(desk.languages) or '-'}; "
                f"on duty: {'always' if desk.duty is None else 'per schedule'}; "
                f"response target: {desk.response_minutes or '-'} min"
            )
        report = analyse(network)
        print("routing (first matching rule wins):")  # noqa: T201
        print("\n".join(report.table))  # noqa: T201
        for note in report.notes:
            print(f"note: {note}")  # noqa: T201
        for warning in report.warnings:
            print(f"warning: {warning}")  # noqa: T201
        problems += _open311_problems(settings, network)
    problems += settings.several_processes_problems()
    if problems:
        raise ConfigError("\n".join(problems))
    print("configuration OK")  # noqa: T201


def _open311_problems(settings: Settings, network: Network) -> list[str]:
    """Open311 settings the file alone cannot check: the API keys and the media links."""
    from bot.workflows.georeport import api_key

    problems = []
    for index, desk in enumerate(network.desks):
        endpoint = desk.open311
        if endpoint is None:
            continue
        if endpoint.api_key_env and api_key(endpoint) is None:
            problems.append(
                f"desks.{index}.open311.api_key_env: {endpoint.api_key_env} is not set "
                "(in the environment or .env)"
            )
        if endpoint.media and not settings.public_url:
            problems.append(
                f"desks.{index}.open311.media: needs PUBLIC_URL, the address the partner "
                "fetches the photo from"
            )
    return problems


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


COMMANDS = {
    "run": cmd_run,
    "migrate": cmd_migrate,
    "check-config": cmd_check_config,
    "new-key": cmd_new_key,
}
WITH_ARGUMENTS = {
    "poster": cmd_poster,
    "report": cmd_report,
    "open311-services": cmd_open311_services,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Beatline bot")
    parser.add_argument("command", choices=sorted([*COMMANDS, *WITH_ARGUMENTS]), help="what to do")
    parser.add_argument(
        "subject",
        nargs="?",
        help="poster: the area code; report: the month, e.g. 2026-11; open311-services: a desk",
    )
    parser.add_argument("--bot", help="poster: the bot's @username")
    parser.add_argument("--languages", help="poster: languages, e.g. nl,en,ar")
    parser.add_argument("--language", help="report: its language (default: the network's)")
    parser.add_argument(
        "--out", help="poster: output folder (posters); report: the PDF (report-YYYY-MM.pdf)"
    )
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings.log_level, settings.log_format)
        absent = extras.missing(settings, args.command)
        if absent is not None:
            raise ConfigError(absent)
        if args.command in WITH_ARGUMENTS:
            WITH_ARGUMENTS[args.command](settings, args)
        else:
            COMMANDS[args.command](settings)
    except ConfigError as exc:
        print(f"Beatline cannot start: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    except KeyboardInterrupt:
        return 0
    return 0
