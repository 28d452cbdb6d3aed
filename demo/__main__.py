"""`python -m demo`: the emulator on 127.0.0.1 and Beatline itself (`python -m bot run`, unchanged)
pointed at it, until Ctrl-C. `python -m demo reset` forgets the demo's chats and database."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import shutil
import signal
import sys
from pathlib import Path

from aiohttp import web

from demo.server import create_app
from demo.world import BOT_USERNAME, DEMO_TOKEN, load_world
from storage.sealing import new_key

logger = logging.getLogger("demo")

STOP_GRACE = 15.0  # seconds Beatline gets to finish after Ctrl-C
# Ctrl-C in a terminal reaches Beatline too (same process group): give it a moment to stop by
# itself before it is asked, so its clean-up is not interrupted by a second signal.
OWN_STOP = 3.0


def demo_key(data: Path) -> str:
    """The demo's own anonymity key, kept beside its throwaway database (never do this with a
    real one: the key belongs apart from the data it protects)."""
    path = data / "anonymity.key"
    if not path.exists():
        data.mkdir(parents=True, exist_ok=True)
        path.write_text(new_key() + "\n")
    return path.read_text().strip()


def bot_environment(data: Path, network: Path, api_url: str) -> dict[str, str]:
    """Beatline's own settings for the demo; they override anything in .env."""
    env = dict(os.environ)
    env.update(
        BOT_TOKEN=DEMO_TOKEN,
        ANONYMITY_KEY=demo_key(data),
        BOT_API_URL=api_url,
        BOT_USERNAME=BOT_USERNAME,
        DATABASE_URL=f"sqlite+aiosqlite:///{data.resolve() / 'beatline.db'}",
        NETWORK_FILE=str(network.resolve()),
        WEBHOOK_URL="",  # always long polling, whatever .env says
        REDIS_URL="",
        LOG_LEVEL=env.get("DEMO_LOG_LEVEL", "INFO"),
    )
    return env


async def run(port: int, data: Path, network: Path) -> int:
    app, emulator = create_app(load_world(network), data / "emulator.json")
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", port).start()
    except OSError as exc:
        await runner.cleanup()
        print(
            f"Cannot listen on 127.0.0.1:{port} ({exc.strerror}); try DEMO_PORT=8766 make demo",
            file=sys.stderr,
        )
        return 2
    address = f"http://127.0.0.1:{port}"
    saver = asyncio.create_task(emulator.state.keep_saved())
    log = (data / "beatline.log").open("ab")
    bot = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=bot_environment(data, network, address),
        stdout=log,
        stderr=log,
        stdin=asyncio.subprocess.DEVNULL,
    )
    print(f"Beatline demo: open {address}/ in your browser.", flush=True)
    print(
        f"  Beatline's log: {data / 'beatline.log'}; Ctrl-C stops the demo, "
        "`make demo-reset` starts it afresh.",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    bot_exit = asyncio.create_task(bot.wait())
    stopper = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({bot_exit, stopper}, return_when=asyncio.FIRST_COMPLETED)
        code = 0
        if bot_exit.done():
            tail = (data / "beatline.log").read_text(errors="replace").splitlines()[-15:]
            print(*tail, sep="\n", file=sys.stderr)
            print(f"Beatline stopped (exit code {bot.returncode}).", file=sys.stderr)
            code = 1
        else:
            print("Stopping the demo…", flush=True)
            await stop_bot(bot, bot_exit)
    finally:
        stopper.cancel()
        saver.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await saver
        await runner.cleanup()
        emulator.state.save()
        log.close()
    return code


async def stop_bot(bot: asyncio.subprocess.Process, exited: asyncio.Task[int]) -> None:
    for sig, wait in ((None, OWN_STOP), (signal.SIGINT, STOP_GRACE), (signal.SIGKILL, None)):
        if sig is not None:
            with contextlib.suppress(ProcessLookupError):
                bot.send_signal(sig)
        try:
            await asyncio.wait_for(asyncio.shield(exited), wait)
        except TimeoutError:
            continue
        return


def reset(data: Path) -> None:
    if data.exists():
        shutil.rmtree(data)
    print(f"Demo data removed ({data}).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description="Beatline demo")
    parser.add_argument("command", nargs="?", choices=["run", "reset"], default="run")
    parser.add_argument("--port", type=int, default=int(os.environ.get("DEMO_PORT", "8765")))
    parser.add_argument("--data", type=Path, default=Path(".demo"))
    parser.add_argument("--network", type=Path, default=Path("network.demo.toml"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "reset":
        reset(args.data)
        return 0
    args.data.mkdir(parents=True, exist_ok=True)
    return asyncio.run(run(args.port, args.data, args.network))


if __name__ == "__main__":
    sys.exit(main())
