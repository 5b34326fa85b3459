"""Translations (gettext catalogs read from the .po files) and the direction of each language."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from truce.domain.errors import Invalid
from truce.domain.i18n import N_

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "truce"
DEFAULT_LOCALE = "en"
# Languages the interface is written in; English is the source and has no catalog.
SUPPORTED = ("en", "ar", "ru")
# Each language named in itself, as the language switch offers it.
NAMES = {"en": "English", "ar": "العربية", "ru": "Русский"}


def catalog_path(locale: str) -> Path:
    """Where the catalog of ``locale`` lives (it may not exist)."""
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=16)
def translations(locale: str) -> NullTranslations:
    """The catalog for ``locale``, read once per process; the identity when there is none."""
    path = catalog_path(locale)
    if locale not in SUPPORTED or not path.is_file():
        return NullTranslations()
    return load_catalog(path, locale)


def load_catalog(path: Path, locale: str) -> Translations:
    """The translations in the .po file at ``path``, compiled in memory.

    So the repository and the package carry only the text translators edit, never a binary
    .mo beside it. Fuzzy entries are left out, as msgfmt leaves them out: they wait for a
    translator's review.
    """
    with path.open("rb") as po:
        catalog = read_po(po, locale=locale, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def direction(locale: str) -> str:
    """'rtl' for right-to-left languages such as Arabic, else 'ltr'."""
    try:
        return "rtl" if Locale.parse(locale).character_order == "right-to-left" else "ltr"
    except (UnknownLocaleError, ValueError):
        return "ltr"


def check_locale(code: str) -> str:
    """``code`` when the interface is written in that language; else Invalid naming the choice."""
    if code not in SUPPORTED:
        raise Invalid(
            N_("There is no language {code!r} here: choose one of {languages}."),
            field="lang",
            code=code,
            languages=", ".join(SUPPORTED),
        )
    return code


def negotiate(chosen: Iterable[str | None], accept_language: str | None) -> str:
    """The locale to use: the first supported of the visitor's choices (most explicit first),
    else the browser's most preferred supported language, else English."""
    for code in chosen:
        if code in SUPPORTED:
            return code
    for code in _preferred(accept_language or ""):
        if code in SUPPORTED:
            return code
    return DEFAULT_LOCALE


def _preferred(accept_language: str) -> list[str]:
    """The primary language subtags of an Accept-Language header, by falling quality
    ("ru;q=0.5, ar" is ar, then ru); a language the browser refuses (q=0) is left out."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        code = tag.strip().lower().split("-")[0]
        if code and quality > 0:
            ranked.append((-quality, position, code))
    return [code for _, _, code in sorted(ranked)]


@lru_cache(maxsize=16)
def plural_samples(locale: str) -> tuple[tuple[str, int], ...]:
    """One number for each CLDR plural category of ``locale`` (``one``: 1, ``few``: 3 …).

    Messages a script fills with a count are sent in every form: ngettext with each sample gives
    the form of its category, and the browser's Intl.PluralRules picks the one for the count."""
    rule = Locale.parse(locale).plural_form
    samples: dict[str, int] = {}
    for number in range(200):
        samples.setdefault(rule(number), number)
    return tuple(samples.items())
