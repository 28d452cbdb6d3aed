"""A small Open311 GeoReport v2 client: list services, post a service request, read one back
(and turn a token into a request id). Only HTTP: what to send is decided in bot.domain.open311.

GeoReport v2 answers with JSON arrays; errors are 4xx/5xx with `[{"code", "description"}]`.
Every failure comes out as `GeoReportError` with a short reason fit for a staff topic (never
the request's fields, which may hold what a resident wrote).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from dotenv import dotenv_values

from bot.network.standards import Open311

TIMEOUT = aiohttp.ClientTimeout(total=20)


class GeoReportError(Exception):
    """The endpoint could not be reached or refused the call; `reason` says which."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class Posted:
    """What `POST requests.json` gave back: the request's id, or a token to ask for it."""

    service_request_id: str | None
    token: str | None
    notice: str | None = None


@dataclass(frozen=True)
class Status:
    status: str
    notes: str | None


def api_key(endpoint: Open311, env_file: Path | None = Path(".env")) -> str | None:
    """The key from the environment variable the network file names (or from `.env`)."""
    if endpoint.api_key_env is None:
        return None
    value = os.environ.get(endpoint.api_key_env)
    if value is None and env_file is not None and env_file.exists():
        value = dotenv_values(env_file).get(endpoint.api_key_env)
    return value or None


def _first(body: Any) -> dict[str, Any]:
    """GeoReport wraps single answers in a one-element array; some servers do not."""
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return body[0]
    if isinstance(body, dict):
        return body
    raise GeoReportError("unexpected answer (not a GeoReport v2 array)")


def _error_text(status: int, body: Any) -> str:
    try:
        detail = _first(body).get("description")
    except GeoReportError:
        detail = None
    return f"HTTP {status}" + (f": {str(detail)[:200]}" if detail else "")


class GeoReportClient:
    """Calls one endpoint; `session` may be shared (tests pass their own)."""

    def __init__(
        self,
        endpoint: Open311,
        key: str | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.key = key
        self._session = session

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        form: Mapping[str, str] | None = None,
    ) -> Any:
        url = self.endpoint.url + path
        query = dict(params or {})
        if self.endpoint.jurisdiction_id and method == "GET":
            query.setdefault("jurisdiction_id", self.endpoint.jurisdiction_id)
        own = self._session is None
        session = self._session or aiohttp.ClientSession(timeout=TIMEOUT)
        try:
            async with session.request(method, url, params=query, data=form) as response:
                try:
                    body = await response.json(content_type=None)
                except ValueError:
                    body = None
                if response.status >= 400:
                    raise GeoReportError(_error_text(response.status, body), response.status)
                return body
        except aiohttp.ClientError as exc:
            raise GeoReportError(f"cannot reach the endpoint ({type(exc).__name__})") from exc
        except TimeoutError as exc:
            raise GeoReportError("the endpoint did not answer in time") from exc
        finally:
            if own:
                await session.close()

    async def services(self) -> list[dict[str, Any]]:
        """`GET services.json`: the service codes an operator can choose from."""
        body = await self._call("GET", "services.json")
        if not isinstance(body, list):
            raise GeoReportError("unexpected answer to services.json (not an array)")
        return [item for item in body if isinstance(item, dict)]

    async def post(self, fields: Mapping[str, str]) -> Posted:
        """`POST requests.json` with the form fields (and the API key)."""
        form = dict(fields)
        if self.key:
            form["api_key"] = self.key
        answer = _first(await self._call("POST", "requests.json", form=form))
        request_id = answer.get("service_request_id")
        token = answer.get("token")
        if request_id in (None, "") and token in (None, ""):
            raise GeoReportError("the answer carries neither service_request_id nor token")
        return Posted(
            str(request_id) if request_id not in (None, "") else None,
            str(token) if token not in (None, "") else None,
            answer.get("service_notice") or None,
        )

    async def request_id_of(self, token: str) -> str | None:
        """`GET tokens/{token}.json`: the request id, once the endpoint has assigned one."""
        answer = _first(await self._call("GET", f"tokens/{token}.json"))
        found = answer.get("service_request_id")
        return str(found) if found not in (None, "") else None

    async def status(self, service_request_id: str) -> Status:
        """`GET requests/{id}.json`: its status (open or closed) and the status notes."""
        answer = _first(await self._call("GET", f"requests/{service_request_id}.json"))
        notes = answer.get("status_notes")
        return Status(str(answer.get("status") or "open"), str(notes) if notes else None)
