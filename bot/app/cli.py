"""The command line: `python -m bot run | migrate | check-config | new-key | poster | report |
open311-services`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from bot.app import extras
from bot.app.checks import (
    ConfigError,
    cmd_check_config,
    load_settings,
    network_of,
    require_key,
    require_token,
)
from bot.app.logs import configure_logging
from bot.app.tools import cmd_open311_services, cmd_poster, cmd_report
from bot.config import Settings
from storage import migrate
from storage.db import create_engine
from storage.sealing import new_key

logger = logging.getLogger("bot")

STOP_WITHIN_S = 9.0


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


def cmd_run(settings: Settings) -> None:
    from bot.app.runtime import run
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

    async def until_signalled() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        running = asyncio.create_task(run(settings, token, stop=stop))
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
