"""JSON log lines (LOG_FORMAT=json): one object per record with time, level, logger and
message, the update being handled when there is one, and no resident's identity."""

from __future__ import annotations

import json
import logging

import pytest
from aiogram.types import User

from bot.app.logs import JsonLines, StampUpdate, quiet_parameter_loggers
from tests.conftest import CENTRAL, Harness
from tests.helpers import onboard, report


async def test_json_lines_carry_the_update_and_no_identity(
    tg: Harness, zoe: User, officer: User, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(StampUpdate())  # as configure_logging sets up every handler
    quiet_parameter_loggers()  # as `python -m bot` configures logging, even at DEBUG
    await onboard(tg, zoe)
    await report(tg, zoe, privacy="anonymous")
    follow_up = await tg.send(zoe, "The van is back")
    await tg.feed(follow_up)  # Telegram delivers it a second time
    await tg.staff(CENTRAL, 1, officer, "/take")

    formatter = JsonLines()
    lines = [json.loads(formatter.format(record)) for record in caplog.records]

    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    skipped = [line for line in lines if "was handled before" in line["message"]]
    assert [line["update_id"] for line in skipped] == [follow_up.update_id]
    dumped = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    for secret in ("Zoë", "Quistelbaum", "zq_secret", str(zoe.id)):
        assert secret not in dumped
