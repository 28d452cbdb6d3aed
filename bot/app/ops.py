"""What a supervisor and Prometheus ask the process over HTTP: `/healthz` (the process is
alive, even while it waits for Telegram), `/readyz` (database and Redis answer, migrations
are current) and `/metrics` (Prometheus text). `add_routes` puts them on the webhook server,
or on the small server polling mode starts on FEEDS_LISTEN."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.metrics import CONTENT_TYPE, Metrics
from bot.network.schema import Network
from storage import migrate, operations

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_S = 3.0


@dataclass(eq=False)
class Ops:
    """The three endpoints; `telegram_reached` and `stopping` are set by the runtime."""

    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    metrics: Metrics
    clock: Clock
    network: Network
    redis_url: str | None = None
    telegram_reached: bool = field(default=False, init=False)
    stopping: bool = field(default=False, init=False)
    _redis: Any = field(default=None, init=False)

    async def healthz(self, _request: web.Request) -> web.Response:
        """Alive: the event loop answers. Nothing outside the process is asked."""
        return web.Response(text="ok\n")

    async def readyz(self, _request: web.Request) -> web.Response:
        """Ready for updates: 200 when every check passes, 503 with the failing ones."""
        checks = {
            "database": await self._check(self._database()),
            "migrations": await self._check(self._migrations()),
        }
        if self.redis_url:
            checks["redis"] = await self._check(self._redis_ping())
        if self.stopping:
            checks["process"] = "stopping"
        ready = all(value == "ok" for value in checks.values())
        body = {"ready": ready, "checks": checks, "telegram_reached": self.telegram_reached}
        return web.Response(
            text=json.dumps(body) + "\n",
            status=200 if ready else 503,
            content_type="application/json",
        )

    async def metrics_page(self, _request: web.Request) -> web.Response:
        try:
            await asyncio.wait_for(self._read_gauges(), CHECK_TIMEOUT_S)
        except Exception as exc:  # the counters are still worth serving
            logger.warning("metrics: the database gauges could not be read (%s)", type(exc))
        return web.Response(text=self.metrics.render(), headers={"Content-Type": CONTENT_TYPE})

    async def _read_gauges(self) -> None:
        now = self.clock.now()
        targets = {d.code: d.response_minutes for d in self.network.desks if d.response_minutes}
        async with self.session_factory() as session:
            backlog = await operations.outbox_backlog(session, now)
            open_cases = await operations.open_cases(session)
            overdue = await operations.cases_past_target(session, targets, now)
        self.metrics.set_gauge(
            "outbox_waiting",
            "Outbox messages pending or being sent, per kind",
            {(("kind", b.kind),): b.waiting for b in backlog},
        )
        self.metrics.set_gauge(
            "outbox_oldest_seconds",
            "Age of the oldest waiting outbox message, per kind",
            {(("kind", b.kind),): b.oldest_seconds for b in backlog},
        )
        self.metrics.gauge("open_cases", "Cases not closed", open_cases)
        self.metrics.gauge(
            "cases_past_target",
            "Open cases without a first staff reply past their desk's response target",
            overdue,
        )

    async def _check(self, probe: Any) -> str:
        try:
            result = await asyncio.wait_for(probe, CHECK_TIMEOUT_S)
        except TimeoutError:
            return "timeout"
        except Exception as exc:
            return f"error: {type(exc).__name__}"
        return "ok" if result is not False else "behind"

    async def _database(self) -> None:
        async with self.session_factory() as session:
            await operations.ping(session)

    async def _migrations(self) -> bool:
        return await migrate.is_current(self.engine)

    async def _redis_ping(self) -> None:
        if self._redis is None:
            from redis.asyncio import Redis

            self._redis = Redis.from_url(
                self.redis_url or "", socket_connect_timeout=CHECK_TIMEOUT_S
            )
        await self._redis.ping()

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()


def add_routes(app: web.Application, ops: Ops) -> None:
    app.router.add_get("/healthz", ops.healthz)
    app.router.add_get("/readyz", ops.readyz)
    app.router.add_get("/metrics", ops.metrics_page)
