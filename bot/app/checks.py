"""Checks of the settings and the network file: what `python -m bot run` refuses to start
without, and the report `python -m bot check-config` prints."""

from __future__ import annotations

from aiogram.utils.token import TokenValidationError, validate_token
from pydantic import ValidationError

from bot.config import Settings
from bot.network.analysis import analyse
from bot.network.base import NetworkError
from bot.network.schema import Network, load_network
from storage.sealing import AnonymityKeyError

NO_TOKEN = """\
BOT_TOKEN is not set.
  1. In Telegram, open @BotFather, send /newbot and follow the steps; it answers with a token
     like 123456789:AAE...
  2. Put it in the file .env in this folder:  BOT_TOKEN=123456789:AAE...
     (copy .env.example to .env to start from a file that lists every setting)
"""


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
    from bot.app.lifecycle import anonymity_sealer

    try:
        anonymity_sealer(settings)
    except AnonymityKeyError as exc:
        raise ConfigError(str(exc)) from exc


def network_of(settings: Settings) -> Network:
    try:
        return load_network(settings.network_file)
    except NetworkError as exc:
        raise ConfigError(str(exc)) from exc


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
