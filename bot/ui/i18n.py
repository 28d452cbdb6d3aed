"""Interface languages: gettext catalogs via aiogram's I18n, language names, and translating
outside an update (timers, the courier)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

__all__ = [
    "LANGUAGE_NAMES",
    "N_",
    "_",
    "create_i18n",
    "n_",
    "speaking",
    "translate_all",
]


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark `message` for extraction; it is translated where it is shown."""
    return message


def n_(singular: str, plural: str, count: int) -> str:
    """A text with a count, in the current language's plural form ("1 minute", "2 minutes";
    Arabic and the Slavic languages have more forms). Fill it with `fmt(..., count=...)`."""
    return str(_(singular, plural, count))


LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"

# Endonyms shown on the language buttons; only languages with a compiled catalog are offered.
LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "nl": "Nederlands",
    "de": "Deutsch",
    "fr": "Français",
    "es": "Español",
    "it": "Italiano",
    "pt": "Português",
    "pt_BR": "Português (Brasil)",
    "pl": "Polski",
    "ro": "Română",
    "sq": "Shqip",
    "uk": "Українська",
    "ru": "Русский",
    "tr": "Türkçe",
    "ar": "العربية",
}
# Names for languages Beatline recognises in messages but has no interface for (yet).
LANGUAGE_NAMES.update(
    {
        "el": "Ελληνικά",
        "fa": "فارسی",
        "sr": "Srpski / Hrvatski / Bosanski",
        "so": "Soomaali",
        "ti": "ትግርኛ",
        "am": "አማርኛ",
    }
)


def create_i18n(default_locale: str, path: Path = LOCALES_DIR) -> I18n:
    """Load the compiled catalogs; fails clearly when `make translations` was not run."""
    try:
        i18n = I18n(path=path, default_locale=default_locale, domain="messages")
    except RuntimeError as exc:  # a catalog without its compiled .mo
        msg = f"{exc} Run `make translations` first."
        raise RuntimeError(msg) from exc
    if not i18n.available_locales:
        msg = f"no compiled translations in {path}: run `make translations` first"
        raise RuntimeError(msg)
    return i18n


@contextmanager
def speaking(i18n: I18n, language: str) -> Iterator[None]:
    """Translate into `language`, also outside an update (timers, the courier)."""
    with i18n.context(), i18n.use_locale(language):
        yield


def supported(i18n: I18n, code: str | None) -> str | None:
    """`code` as a catalog Beatline has: "pt-br" is "pt_BR" when there is one, "nl-BE" is
    "nl"; None when neither the variant nor the language is there."""
    if not code:
        return None
    base, _, region = code.replace("_", "-").partition("-")
    variant = f"{base.lower()}_{region.upper()}"
    if region and variant in i18n.available_locales:
        return variant
    return base.lower() if base.lower() in i18n.available_locales else None


def translate_all(i18n: I18n, message: str) -> set[str]:
    """`message` in every loaded language (to recognise a button pressed in any of them)."""
    return {i18n.gettext(message, locale=locale) for locale in i18n.available_locales} | {message}


def compile_catalogs(source: Path, target: Path, domain: str = "messages") -> list[str]:
    """Compile every `<lang>/LC_MESSAGES/<domain>.po` under `source` into `target`."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    compiled = []
    for po_path in sorted(source.glob(f"*/LC_MESSAGES/{domain}.po")):
        language = po_path.parent.parent.name
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=language, domain=domain)
        out = target / language / "LC_MESSAGES" / f"{domain}.mo"
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        compiled.append(language)
    return compiled


def fill_source_catalog(path: Path) -> int:
    """English is the source language: its catalog's entries are their own msgids."""
    from babel.messages.pofile import read_po, write_po

    with path.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    filled = 0
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.id and (not all(strings) or message.fuzzy):
            message.string = message.id  # for a plural entry: (singular, plural)
            message.flags.discard("fuzzy")
            filled += 1
    with path.open("wb") as handle:
        write_po(handle, catalog, no_location=True, sort_output=True)
    return filled
