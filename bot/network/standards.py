"""The public-safety standards a network may speak: how sent alerts are published as CAP 1.2
messages (bot.domain.cap), and a partner's Open311 GeoReport v2 endpoint (bot.domain.open311)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, field_validator

from bot.network.base import EnvName, LanguageCode, Strict


class CapCategory(StrEnum):
    """The event categories of CAP 1.2 (`<category>` of an alert's `<info>`)."""

    GEO = "Geo"
    MET = "Met"
    SAFETY = "Safety"
    SECURITY = "Security"
    RESCUE = "Rescue"
    FIRE = "Fire"
    HEALTH = "Health"
    ENV = "Env"
    TRANSPORT = "Transport"
    INFRA = "Infra"
    CBRNE = "CBRNE"
    OTHER = "Other"


class CapStatus(StrEnum):
    """What kind of alerts a deployment publishes: real ones, or a test or exercise feed."""

    ACTUAL = "Actual"
    EXERCISE = "Exercise"
    TEST = "Test"


# CAP forbids spaces, commas and the XML-special < and & in sender and identifier.
CapToken = Annotated[str, Field(pattern=r"^[^\s,<&]{1,120}$")]


class Cap(Strict):
    """How sent announcements are published as CAP 1.2 messages (see bot.domain.cap)."""

    sender: CapToken = "beatline"  # e.g. your domain name: globally unique per publisher
    sender_name: str | None = None
    status: CapStatus = CapStatus.ACTUAL
    category: CapCategory = CapCategory.SAFETY
    event: dict[LanguageCode, str] = Field(default_factory=lambda: {"en": "Neighbourhood alert"})
    hours: int = Field(default=24, gt=0)  # how long a one-off alert stays current
    circle_km: float = Field(default=1.0, gt=0)  # an area with a centre but no radius_km


class Open311(Strict):
    """A partner's Open311 GeoReport v2 endpoint: an agreed referral becomes a service request.

    `url` is the endpoint's base (…/services.json and …/requests.json are beneath it); the API
    key is read from the environment variable `api_key_env`, never from this file.
    """

    url: str
    service_code: str = Field(min_length=1, max_length=64)
    api_key_env: EnvName | None = None
    jurisdiction_id: str | None = None
    media: bool = False  # offer the resident to include their first photo (needs PUBLIC_URL)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("https://", "http://")) or len(value) < 12:
            msg = "must be the endpoint's http(s):// address, e.g. https://311.example.org/v2/"
            raise ValueError(msg)
        return value if value.endswith("/") else value + "/"
