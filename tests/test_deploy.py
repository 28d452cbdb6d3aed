"""The deployment examples in deploy/ hang together: the compose file runs PostgreSQL, Redis,
two Beatline processes that know they are two, a proxy that spreads the webhook over exactly
those processes, and the systemd unit stops in time. Docker itself is asked when it is here."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def beatline_services(services: dict[str, Any]) -> dict[str, Any]:
    return {name: s for name, s in services.items() if name.startswith("beatline")}


def seconds(duration: str) -> float:
    match = re.fullmatch(r"(\d+)(s|m)", duration)
    assert match, duration
    return float(match[1]) * (60 if match[2] == "m" else 1)


def test_compose_runs_postgresql_redis_a_proxy_and_several_beatline_processes() -> None:
    services = compose()["services"]
    processes = beatline_services(services)

    assert {"postgres", "redis", "proxy", "telegram-bot-api"} <= set(services)
    assert len(processes) >= 2
    for name, service in processes.items():
        env = service["environment"]
        assert env["PROCESSES"] == str(len(processes)), name
        assert env["DATABASE_URL"].startswith("postgresql+asyncpg://"), name
        assert env["REDIS_URL"].startswith("redis://redis:"), name
        assert "/healthz" in " ".join(service["healthcheck"]["test"]), name
        assert seconds(service["stop_grace_period"]) > 10, name  # the stop takes up to ten
        assert set(service["depends_on"]) == {"postgres", "redis"}, name
    assert services["telegram-bot-api"]["profiles"] == ["local-bot-api"]  # optional


def test_the_proxy_spreads_the_webhook_over_exactly_the_beatline_processes() -> None:
    services = compose()["services"]
    ports = {
        s["environment"]["WEBHOOK_LISTEN"].rpartition(":")[2]
        for s in services.values()
        if "environment" in s and "WEBHOOK_LISTEN" in s["environment"]
    }
    caddyfile = (DEPLOY / "Caddyfile").read_text()
    [upstreams] = re.findall(r"reverse_proxy ([^{]+)\{", caddyfile)

    expected = {f"{name}:{port}" for name in beatline_services(services) for port in ports}
    assert set(upstreams.split()) == expected
    assert "health_uri /healthz" in caddyfile
    assert "/metrics" not in caddyfile.split("@public", 1)[1]  # kept inside


def test_the_systemd_unit_runs_the_bot_and_stops_it_with_time_to_spare() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(DEPLOY / "systemd" / "beatline@.service")
    service = unit["Service"]

    assert service["ExecStart"].endswith("-m bot run")
    assert service["KillSignal"] == "SIGTERM"
    assert int(service["TimeoutStopSec"]) > 10
    assert service["Restart"] == "always"
    nginx = (DEPLOY / "systemd" / "nginx-beatline.conf").read_text()
    assert "proxy_next_upstream error timeout" in nginx
    assert len(re.findall(r"server 127\.0\.0\.1:\d+", nginx)) >= 2


def test_docker_compose_accepts_the_file() -> None:
    docker = shutil.which("docker")
    has_compose = (
        docker is not None
        and subprocess.run(
            [docker, "compose", "version"], capture_output=True, check=False
        ).returncode
        == 0
    )
    if not has_compose:
        pytest.skip("docker compose is not installed here: the file was checked as YAML only")
    assert docker is not None
    env = {**os.environ, "POSTGRES_PASSWORD": "x", "BEATLINE_DOMAIN": "bot.example.org"}
    example = DEPLOY / "beatline.env.example"
    env_file = DEPLOY / "beatline.env"
    created = not env_file.exists()
    if created:
        shutil.copy(example, env_file)
    try:
        result = subprocess.run(
            [docker, "compose", "-f", str(DEPLOY / "docker-compose.yml"), "config", "-q"],
            capture_output=True,
            env=env,
            check=False,
        )
    finally:
        if created:
            env_file.unlink()
    assert result.returncode == 0, result.stderr.decode()


def test_deploy_files_are_all_named_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for path in sorted(Path(DEPLOY).rglob("*")):
        if path.is_file() and not path.name.endswith(".env"):
            assert f"deploy/{path.relative_to(DEPLOY)}" in readme, path
