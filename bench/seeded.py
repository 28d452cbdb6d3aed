"""The bot's lookups on a city's database against a town's: /status, *My cases*, the relay
lookups and the coordinators' /stats, timed on 1,000 cases and on 1,000,000 cases with
10,000,000 messages, in one run (target: no more than 2× the small database's time).

Run it from the project root (it takes a while: the large database is filled first):

    .venv/bin/python -m bench.seeded
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
        [--cases 1000000] [--messages-per-case 10] [--small 1000] [--repeat 5] [--keep]
        [--prefix seeded] [--reuse SMALL_URL LARGE_URL] [--only TEXT]

Both databases are made on that server (named seeded_…), migrated with the project's Alembic
migrations up to the tallies' (0012), filled by bench.seeding (which skips triggers), migrated
to the head (which backfills the tallies), and dropped at the end unless --keep. Each probe calls
the same domain functions as the handler it stands for, each in a fresh session, on 30
different samples per pass; the figure is the median over all passes after one warm-up.

--reuse times two databases a --keep run left. Their samples are not kept, so only /stats and
*My cases* for the residents with very many cases run (those are always the first ids and have
no anonymous case; their empty sealed lists are sealed again with this run's key). --only times
the probes whose name contains TEXT.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.databases import scratch_database
from bench.seeded_probes import Probe, explain, probes
from bench.seeding import analyse, fill, sample_lines
from bench.seeding_shape import HEAVY_RESIDENTS, Samples, Shape
from bot.network.schema import Network, parse_network
from storage import migrate
from storage.db import create_engine, create_session_factory
from storage.sealing import Sealer, new_key

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 2.0
# The fill skips triggers (bench.seeding), so it runs before the migrations whose triggers keep
# the /stats tallies; upgrading afterwards backfills them, as it would a live database.
BEFORE_TALLIES = "0011"


@dataclass
class Database:
    """One filled database and how to reach it."""

    label: str
    url: str
    factory: async_sessionmaker[AsyncSession]
    samples: Samples


def say(line: str) -> None:
    print(line, flush=True)


async def prepare(
    url: str, shape: Shape, network: Network, sealer: Sealer, label: str, stack: AsyncExitStack
) -> Database:
    engine = create_engine(url)
    stack.push_async_callback(engine.dispose)
    started = time.perf_counter()
    await migrate.upgrade(engine, BEFORE_TALLIES)
    took = time.perf_counter() - started
    say(f"{label}: migrated to {BEFORE_TALLIES} in {took:.1f} s; filling …")
    started = time.perf_counter()
    samples = await fill(url.replace("+asyncpg", ""), shape, network, sealer, say)
    say(f"{label}: filled in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    await migrate.upgrade(engine)
    took = time.perf_counter() - started
    say(f"{label}: migrated to the head (tallies backfilled) in {took:.1f} s")
    await analyse(url.replace("+asyncpg", ""), say)
    for line in sample_lines(samples):
        say(line)
    return Database(label, url, create_session_factory(engine, sealer), samples)


async def one_pass(database: Database, probe: Probe) -> list[float]:
    """Run `probe` once per sample, each in a fresh session; milliseconds per call."""
    timings = []
    for sample in probe.samples(database.samples):
        async with database.factory() as session:
            started = time.perf_counter()
            await probe.run(session, sample)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


async def measure(databases: Sequence[Database], probe: Probe, repeat: int) -> list[float]:
    """The median ms of `probe` on each database, passes interleaved so load hits both."""
    found: list[list[float]] = [[] for _ in databases]
    for database in databases:
        await one_pass(database, probe)  # warm-up: caches, prepared statements
    for _ in range(repeat):
        for index, database in enumerate(databases):
            found[index] += await one_pass(database, probe)
    return [statistics.median(timings) for timings in found]


def table(rows: Sequence[tuple[str, float, float]], small: str, large: str) -> list[str]:
    lines = [
        f"| query | ms on {small} | ms on {large} | ratio | target ≤ {TARGET_RATIO:.1f} |",
        "|---|---|---|---|---|",
    ]
    for name, low, high in rows:
        ratio = high / low
        verdict = "met" if ratio <= TARGET_RATIO else "**not met**"
        lines.append(f"| {name} | {low:.2f} | {high:.2f} | {ratio:.2f} | {verdict} |")
    return lines


async def reused(url: str, sealer: Sealer, label: str, stack: AsyncExitStack) -> Database:
    """A database a --keep run filled; of its samples only the heavy residents are known."""
    engine = create_engine(url)
    stack.push_async_callback(engine.dispose)
    say(f"{label}: reusing {url.rsplit('/', 1)[-1]}")
    heavy = list(range(1, HEAVY_RESIDENTS + 1))
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        await connection.executemany(
            "UPDATE citizen SET sealed_cases = $2 WHERE id = $1",
            [(citizen_id, sealer.seal_case_ids([], citizen_id)) for citizen_id in heavy],
        )
    finally:
        await connection.close()
    samples = Samples([], heavy, [], [], [])
    return Database(label, url, create_session_factory(engine, sealer), samples)


async def run(args: argparse.Namespace) -> int:
    network = parse_network((ROOT / "network.example.toml").read_text(encoding="utf-8"))
    sealer = Sealer.from_text(new_key())
    now = datetime.now(UTC).replace(microsecond=0)
    shapes = [
        (f"{args.small:,} cases", Shape(args.small, args.messages_per_case, now)),
        (f"{args.cases:,} cases", Shape(args.cases, args.messages_per_case, now)),
    ]
    async with AsyncExitStack() as stack:
        databases = []
        for index, (label, shape) in enumerate(shapes):
            if args.reuse:
                databases.append(await reused(args.reuse[index], sealer, label, stack))
                continue
            url = await stack.enter_async_context(
                scratch_database(
                    args.database_url,
                    Path(f"{shape.cases}.db"),
                    prefix=args.prefix,
                    keep=args.keep,
                )
            )
            say(f"{label}: {url.rsplit('/', 1)[-1]}")
            databases.append(await prepare(url, shape, network, sealer, label, stack))
        chosen = [
            probe
            for probe in probes(network, now)
            if args.only in probe.name and all(probe.samples(d.samples) for d in databases)
        ]
        rows = []
        for probe in chosen:
            low, high = await measure(databases, probe, args.repeat)
            rows.append((probe.name, low, high))
            say(f"  {probe.name}: {low:.2f} ms / {high:.2f} ms")
            for line in await probe.notes(databases[0].factory, databases[1].factory):
                say(f"    {line}")
        small, large = (label for label, _shape in shapes)
        say("")
        for line in table(rows, small, large):
            say(line)
        for probe, (name, low, high) in zip(chosen, rows, strict=True):
            if high / low > TARGET_RATIO:
                say(f"\nEXPLAIN ANALYZE of {name} on {large}:")
                for line in await explain(databases[1].factory, probe, databases[1].samples):
                    say(f"  {line}")
        if args.keep and not args.reuse:
            say("\nkept: " + ", ".join(database.url for database in databases))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.seeded", description=__doc__)
    parser.add_argument("--database-url", required=True, help="postgresql+asyncpg://… server")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--messages-per-case", type=int, default=10)
    parser.add_argument("--small", type=int, default=1_000, help="cases in the baseline")
    parser.add_argument("--repeat", type=int, default=5, help="timed passes per probe")
    parser.add_argument("--keep", action="store_true", help="keep both databases")
    parser.add_argument("--prefix", default="seeded", help="name prefix of the databases")
    parser.add_argument(
        "--reuse", nargs=2, metavar=("SMALL_URL", "LARGE_URL"), help="time two kept databases"
    )
    parser.add_argument("--only", default="", help="time only the probes whose name has this")
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgresql"):
        parser.error("--database-url must be a PostgreSQL server (postgresql+asyncpg://…)")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
