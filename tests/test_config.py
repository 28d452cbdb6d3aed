"""Settings, the network file and the command line: clear messages instead of tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import extras
from bot.app.cli import main
from bot.network.base import NetworkError
from bot.network.schema import load_network, parse_network
from tests.conftest import ANONYMITY_KEY, NETWORK, ROOT
from tests.fakes import BOT_TOKEN


@pytest.fixture
def project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory with no environment leaking in."""
    monkeypatch.chdir(tmp_path)
    for name in (
        "BOT_TOKEN",
        "DATABASE_URL",
        "NETWORK_FILE",
        "BOT_API_URL",
        "REDIS_URL",
        "PROCESSES",
        "WEBHOOK_URL",
        "WEBHOOK_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ANONYMITY_KEY", ANONYMITY_KEY)
    return tmp_path


def test_example_network_file_is_valid() -> None:
    network = load_network(ROOT / "network.example.toml")
    assert network.route("traffic", "noord").code == "verkeer"
    assert network.route("burglary", "oost").code == "wijkteam-noord-oost"
    assert network.route("nuisance", "centrum").code == "wijkteam-centrum"


def test_partner_desks_never_receive_reports_directly() -> None:
    network = parse_network(NETWORK)
    assert {
        network.route(c.code, a.code).kind.value for c in network.categories for a in network.areas
    } == {"police"}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('default_desk = "central"', 'default_desk = "nowhere"'),
            "default_desk: unknown desk 'nowhere'",
        ),
        (
            ('default_desk = "central"', 'default_desk = "housing"'),
            "default_desk: must be a police desk",
        ),
        (('areas = ["east"]', 'areas = ["west"]'), "desks.0.areas: unknown area 'west'"),
        (("chat_id = -1001000000002", "chat_id = 12345"), "desks.0.chat_id: must be a supergroup"),
        (('code = "nuisance"', 'code = "burglary"'), "categories: code 'burglary' is used twice"),
        (('kind = "police"', 'kind = "sheriff"'), "desks.0.kind: Input should be 'police'"),
        (('timezone = "Europe/Amsterdam"', 'timezone = "Mars/Olympus"'), "unknown time zone"),
        (("[[areas]]", "[[areas"), "is not valid TOML"),
        (
            ("chat_id = -1001000000001", "chat_id = -1001000000001\nchat_ids = [-1001000000002]"),
            "desks.1.chat_id: -1001000000002 is already used by desk 'east'",
        ),
        (
            ("chat_id = -1001000000003", "chat_id = -1001000000003\nchat_ids = [-1001000000077]"),
            "desks.2.chat_ids: a partner works in one group",
        ),
    ],
)
def test_bad_network_files_name_the_field_and_the_problem(
    change: tuple[str, str], expected: str
) -> None:
    with pytest.raises(NetworkError) as caught:
        parse_network(NETWORK.replace(*change, 1))
    assert expected in str(caught.value)


def test_missing_network_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(NetworkError, match=r"copy network\.example\.toml"):
        load_network(tmp_path / "network.toml")


def test_run_without_token_explains_botfather(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "BOT_TOKEN is not set" in err
    assert "@BotFather" in err
    assert ".env" in err
    assert "Traceback" not in err


def test_check_config_reports_every_problem_without_starting(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project_dir / ".env").write_text("BOT_TOKEN=not-a-token\n")
    (project_dir / "network.toml").write_text(NETWORK.replace('"central"', '"nowhere"', 1))

    assert main(["check-config"]) == 2

    err = capsys.readouterr().err
    assert "BOT_TOKEN does not look like a token" in err
    assert "default_desk: unknown desk 'nowhere'" in err


def test_check_config_accepts_a_good_setup(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project_dir / ".env").write_text(f"BOT_TOKEN={BOT_TOKEN}\nNETWORK_FILE=desks.toml\n")
    (project_dir / "desks.toml").write_text(NETWORK)

    assert main(["check-config"]) == 0

    out = capsys.readouterr().out
    assert "configuration OK" in out
    assert "central" in out and "police" in out


@pytest.mark.parametrize(
    ("setting", "command", "extra"),
    [
        ("DATABASE_URL=postgresql+asyncpg://db/beatline", "check-config", "postgres"),
        ("REDIS_URL=redis://127.0.0.1:6379/0", "check-config", "redis"),
        ("", "poster", "posters"),
    ],
)
def test_a_missing_optional_part_names_the_extra_to_install(
    project_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    setting: str,
    command: str,
    extra: str,
) -> None:
    (project_dir / ".env").write_text(f"BOT_TOKEN={BOT_TOKEN}\n{setting}\n")
    (project_dir / "network.toml").write_text(NETWORK)
    # As if that package were not installed: the extra's module cannot be found.
    monkeypatch.setitem(extras.EXTRAS, extra, "beatline_not_installed_here")

    assert main([command, "centre"] if command == "poster" else [command]) == 2

    err = capsys.readouterr().err
    assert f"pip install 'beatline[{extra}]'" in err and "Traceback" not in err


def test_bad_setting_is_reported_by_name(
    project_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REF_PREFIX", "BL-")
    assert main(["check-config"]) == 2
    assert "REF_PREFIX" in capsys.readouterr().err


def test_migrate_creates_the_sqlite_database(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate"]) == 0
    assert (project_dir / "beatline.db").exists()
    assert "up to date" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("url", "secret", "expected"),
    [
        ("http://example.org/hook", "a-long-shared-secret-123", "must be an https://"),
        ("https://example.org/hook", "short", "WEBHOOK_SECRET must be set"),
    ],
)
def test_webhook_settings_are_checked_before_starting(
    project_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    secret: str,
    expected: str,
) -> None:
    (project_dir / "network.toml").write_text(NETWORK)
    monkeypatch.setenv("BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("WEBHOOK_URL", url)
    monkeypatch.setenv("WEBHOOK_SECRET", secret)

    assert main(["run"]) == 2
    assert expected in capsys.readouterr().err


def test_a_name_missing_in_the_residents_language_falls_back_to_english_then_the_default() -> None:
    network = parse_network(
        NETWORK.replace('default_language = "en"', 'default_language = "nl"').replace(
            'names = { en = "Nuisance", nl = "Overlast" }', 'names = { nl = "Overlast" }'
        )
    )
    burglary, nuisance = network.category("burglary"), network.category("nuisance")
    assert burglary is not None and nuisance is not None
    assert burglary.name("de", network.default_language) == "Burglary"  # English first
    assert nuisance.name("de", network.default_language) == "Overlast"  # then the default
    assert burglary.name("nl", network.default_language) == "Inbraak"


def test_the_bot_refuses_to_start_without_an_anonymity_key(
    project_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (project_dir / "network.toml").write_text(NETWORK)
    monkeypatch.setenv("BOT_TOKEN", BOT_TOKEN)
    monkeypatch.delenv("ANONYMITY_KEY")

    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "ANONYMITY_KEY is not set" in err and "python -m bot new-key" in err
    assert main(["check-config"]) == 2
    assert "ANONYMITY_KEY is not set" in capsys.readouterr().err


def test_a_malformed_anonymity_key_is_refused_and_new_key_makes_a_good_one(
    project_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (project_dir / "network.toml").write_text(NETWORK)
    monkeypatch.setenv("BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("ANONYMITY_KEY", "dG9vLXNob3J0")  # "too-short" in base64
    assert main(["check-config"]) == 2
    assert "ANONYMITY_KEY must hold 32 bytes" in capsys.readouterr().err

    assert main(["new-key"]) == 0
    monkeypatch.setenv("ANONYMITY_KEY", capsys.readouterr().out.strip())
    assert main(["check-config"]) == 0


def test_check_config_refuses_several_processes_without_redis_postgresql_and_a_webhook(
    project_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (project_dir / "network.toml").write_text(NETWORK)
    monkeypatch.setenv("BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("PROCESSES", "2")

    assert main(["check-config"]) == 2

    err = capsys.readouterr().err
    assert "PROCESSES=2 needs REDIS_URL" in err
    assert "PROCESSES=2 needs a PostgreSQL DATABASE_URL" in err
    assert "PROCESSES=2 needs WEBHOOK_URL" in err


def test_check_config_accepts_several_processes_on_postgresql_redis_and_a_webhook(
    project_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (project_dir / "network.toml").write_text(NETWORK)
    for name, value in {
        "BOT_TOKEN": BOT_TOKEN,
        "PROCESSES": "2",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "DATABASE_URL": "postgresql+asyncpg://beatline@db/beatline",
        "WEBHOOK_URL": "https://bot.example.org/telegram/hook",
        "WEBHOOK_SECRET": "a-long-shared-secret-123",
    }.items():
        monkeypatch.setenv(name, value)

    assert main(["check-config"]) == 0
    assert "configuration OK" in capsys.readouterr().out


def test_run_refuses_several_processes_with_wizard_state_in_memory(
    project_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (project_dir / "network.toml").write_text(NETWORK)
    for name, value in {
        "BOT_TOKEN": BOT_TOKEN,
        "PROCESSES": "3",
        "DATABASE_URL": "postgresql+asyncpg://beatline@db/beatline",
        "WEBHOOK_URL": "https://bot.example.org/telegram/hook",
        "WEBHOOK_SECRET": "a-long-shared-secret-123",
    }.items():
        monkeypatch.setenv(name, value)

    assert main(["run"]) == 2  # before any connection is tried

    err = capsys.readouterr().err
    assert "PROCESSES=3 needs REDIS_URL" in err and "Traceback" not in err
