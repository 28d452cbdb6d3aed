"""The base install (`pip install beatline`, no extras) runs the SQLite default: `python -m bot
run` starts and answers with the optional parts (Redis, PostgreSQL's driver, the poster's QR
codes) not importable, as on a machine that never installed them."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.conftest import ANONYMITY_KEY, NETWORK
from tests.fake_http import FakeBotApiServer, private_text
from tests.fakes import BOT_TOKEN

ROOT = Path(__file__).resolve().parent.parent
EXTRAS_ONLY = ("redis", "asyncpg", "qrcode")

# Runs `python -m bot run` after making the extras' packages unimportable.
WITHOUT_EXTRAS = f"""
import runpy, sys
from importlib.abc import MetaPathFinder

class NotInstalled(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {EXTRAS_ONLY!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, NotInstalled())
sys.argv = ["bot", "run"]
runpy.run_module("bot", run_name="__main__", alter_sys=True)
"""


async def test_the_bot_runs_on_sqlite_without_the_optional_packages(tmp_path: Path) -> None:
    server = FakeBotApiServer()
    await server.start()
    network_file = tmp_path / "network.toml"
    network_file.write_text(NETWORK)
    await server.updates.put(private_text(1, 4711, "Mia", "/start", "en"))
    environment = {
        key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "DATABASE_URL"}
    } | {
        "BOT_TOKEN": BOT_TOKEN,
        "BOT_API_URL": server.url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'base.db'}",
        "NETWORK_FILE": str(network_file),
        "ANONYMITY_KEY": ANONYMITY_KEY,
        "REDIS_URL": "",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        WITHOUT_EXTRAS,
        cwd=tmp_path,
        env=environment | {"PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    greeting = None
    try:
        greeting = await server.wait_for("sendMessage", seconds=60)
    except TimeoutError:
        pass  # the process's own words say why, below
    finally:
        if process.returncode is None:
            process.terminate()
        _out, err = await process.communicate()
        await server.stop()

    said = err.decode()
    assert greeting is not None, f"no answer to /start; the process said:\n{said[-3000:]}"
    assert greeting.chat_id == 4711
    assert "ModuleNotFoundError" not in said
