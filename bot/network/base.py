"""What every part of the network file shares: codes, names, strict models, the error."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

Code = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")]
LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]
EnvName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


def spoken_language(code: str) -> str:
    """The language of an interface language: "pt_BR" and "pt-br" are "pt". Names in the
    network file, alert texts and language identification know languages, not regional
    variants; only the interface's catalogs and date formats tell them apart."""
    return re.split(r"[-_]", code, maxsplit=1)[0].lower()


class NetworkError(Exception):
    """The network file cannot be used; the message names the field and the problem."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Named(Strict):
    """Something with a stable code and a display name per language."""

    code: Code
    names: dict[LanguageCode, str]

    @field_validator("names")
    @classmethod
    def _not_empty(cls, value: dict[str, str]) -> dict[str, str]:
        if not value:
            msg = "needs at least one name"
            raise ValueError(msg)
        if any(not name.strip() for name in value.values()):
            msg = "names may not be blank"
            raise ValueError(msg)
        return value

    def name(self, language: str, fallback: str) -> str:
        """The name in `language` (or its base language: "pt" for "pt_BR"), else in English
        (the language most residents of another language read), else in `fallback` (the
        network's default), else any name there is."""
        return (
            self.names.get(language)
            or self.names.get(spoken_language(language))
            or self.names.get("en")
            or self.names.get(fallback)
            or next(iter(self.names.values()))
        )
