"""`python -m demo`: Beatline's own settings for the demo, and `reset` forgetting the demo."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.checks import require_key, require_token
from bot.config import Settings
from demo.__main__ import bot_environment, main


def test_beatline_polls_the_emulator_with_a_valid_token_whatever_env_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/hook")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    env = bot_environment(tmp_path, Path("network.demo.toml"), "http://127.0.0.1:8765")
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    settings = Settings(_env_file=None)

    assert require_token(settings) == env["BOT_TOKEN"]
    require_key(settings)  # the demo has its own anonymity key, kept with its data
    assert bot_environment(tmp_path, Path("x"), "y")["ANONYMITY_KEY"] == env["ANONYMITY_KEY"]
    assert settings.bot_api_url == "http://127.0.0.1:8765"
    assert not settings.webhook_url and not settings.redis_url
    assert settings.database_url.endswith(f"{tmp_path}/beatline.db")
    assert settings.network_file.name == "network.demo.toml"


def test_reset_removes_the_demo_data(tmp_path: Path) -> None:
    data = tmp_path / ".demo"
    data.mkdir()
    (data / "beatline.db").write_bytes(b"")
    (data / "emulator.json").write_text("{}")

    assert main(["reset", "--data", str(data)]) == 0

    assert not data.exists()
